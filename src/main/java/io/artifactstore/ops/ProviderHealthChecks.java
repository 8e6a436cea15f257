package io.artifactstore.ops;

import io.artifactstore.resilience.ProviderMonitor;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.resilience.ResilientProvider;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.HealthRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * One readiness check per provider (README "Operations"), from the monitor's probes that really reach each
 * backend. A provider that is down is reported as such in its check's data, but the check stays UP
 * while another provider can take uploads: the service is still useful, and fallbacks carry it.
 */
@ApplicationScoped
public class ProviderHealthChecks {

    @Inject
    @Readiness
    HealthRegistry readiness;

    @Inject
    ProviderRegistry providers;

    @Inject
    ProviderMonitor monitor;

    void register(@Observes StartupEvent event) {
        for (ResilientProvider provider : providers.all()) {
            readiness.register("provider-" + provider.name(), (HealthCheck) () -> check(provider));
        }
    }

    private HealthCheckResponse check(ResilientProvider provider) {
        boolean reachable = monitor.isReachable(provider.name());
        HealthCheckResponseBuilder check = HealthCheckResponse.named("provider-" + provider.name())
                .status(reachable || monitor.anyCanTakeUploads())
                .withData("type", provider.type())
                .withData("reachable", reachable)
                .withData("circuit", provider.circuitState().name());
        // Why it cannot take uploads, e.g. "bucket 'x' does not exist": a misconfiguration is not an outage.
        monitor.problem(provider.name()).ifPresent(problem -> check.withData("problem", problem));
        return check.build();
    }
}
