package io.artifactstore.ops;

import io.artifactstore.provider.ProviderRegistry;
import io.artifactstore.provider.StorageProvider;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.health.api.HealthRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;

/** One readiness check per configured provider, each really reaching its backend (CONTRACT §7). */
@ApplicationScoped
public class ProviderHealthChecks {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    @Inject
    @Readiness
    HealthRegistry readiness;

    @Inject
    ProviderRegistry providers;

    void register(@Observes StartupEvent event) {
        for (StorageProvider provider : providers.all()) {
            readiness.register("provider-" + provider.name(), (AsyncHealthCheck) () -> probe(provider));
        }
    }

    private static Uni<HealthCheckResponse> probe(StorageProvider provider) {
        String name = "provider-" + provider.name();
        return provider.probe()
                .ifNoItem().after(PROBE_TIMEOUT).fail()
                .map(ignored -> HealthCheckResponse.named(name).withData("type", provider.type()).up().build())
                // The failure's message could name hosts or keys: report only that it is down.
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named(name)
                        .withData("type", provider.type()).withData("error", failure.getClass().getSimpleName()).down().build());
    }
}
