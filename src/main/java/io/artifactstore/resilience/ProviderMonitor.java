package io.artifactstore.resilience;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.StoreFailure;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Probes every provider through its guard on an interval. Presigning never touches the network, so
 * these probes are what notice an outage: they open the breaker and mark the provider unusable for
 * new uploads, and they let the breaker close again once the provider is back.
 */
@ApplicationScoped
public class ProviderMonitor {

    private static final Logger LOG = Logger.getLogger(ProviderMonitor.class);

    @Inject
    ProviderRegistry providers;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry metrics;

    private final Map<String, Boolean> reachable = new ConcurrentHashMap<>();
    /** Why the last probe that really reached the guard failed, per provider; absent once a probe passes. */
    private final Map<String, String> lastFailure = new ConcurrentHashMap<>();
    private long timerId = -1;

    void start(@Observes StartupEvent event) {
        for (ResilientProvider provider : providers.all()) {
            reachable.put(provider.name(), true);
            Gauge.builder("artifact_store_circuit_state", provider, p -> circuitValue(p.circuitState()))
                    .description("Circuit breaker state per provider: 0 closed, 1 half-open, 2 open")
                    .tag("provider", provider.name()).register(metrics);
        }
        probeAll();
        timerId = vertx.setPeriodic(Math.max(100, config.health().probeInterval().toMillis()), id -> probeAll());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** Whether new uploads may be sent to the provider: its last probe passed and its breaker is not open. */
    public boolean canTakeUploads(String name) {
        return reachable.getOrDefault(name, false)
                && providers.find(name).map(p -> p.circuitState() != CircuitBreakerState.OPEN)
                .orElse(false);
    }

    public boolean isReachable(String name) {
        return reachable.getOrDefault(name, false);
    }

    /**
     * Why the provider cannot take uploads now, in words fit for an operator and a client (a bucket name
     * at most, never an address or a credential), or empty when it can.
     */
    public Optional<String> problem(String name) {
        String failure = lastFailure.get(name);
        boolean open = providers.find(name).map(p -> p.circuitState() == CircuitBreakerState.OPEN).orElse(false);
        if (open) {
            return Optional.of(failure == null ? "circuit open" : "circuit open after: " + failure);
        }
        if (!reachable.getOrDefault(name, false)) {
            return Optional.of(failure == null ? "not probed yet" : failure);
        }
        return Optional.empty();
    }

    public boolean anyCanTakeUploads() {
        return providers.all().stream().anyMatch(p -> canTakeUploads(p.name()));
    }

    /** Probes now; for tests and operators that do not want to wait for the next interval. */
    public void probeAll() {
        for (ResilientProvider provider : providers.all()) {
            provider.probe().subscribe().with(
                    ok -> record(provider.name(), true, null),
                    failure -> record(provider.name(), false, failure));
        }
    }

    private void record(String name, boolean up, Throwable failure) {
        // An open breaker refusing the probe says nothing new: the failure that opened it stays the reason.
        String problem = up ? null : failure instanceof CircuitBreakerOpenException
                ? lastFailure.getOrDefault(name, "failed calls") : reason(failure);
        String problemBefore = problem == null ? lastFailure.remove(name) : lastFailure.put(name, problem);
        Boolean before = reachable.put(name, up);
        if (up && Boolean.FALSE.equals(before)) {
            LOG.infof("Provider %s is reachable again", name);
        } else if (!up && problem != null && !problem.equals(problemBefore)) {
            // Once per change of reason, not once per probe.
            LOG.warnf("Provider %s cannot take uploads: %s (%s)", name, problem, describe(failure));
        }
    }

    /** A failure in words, by its kind: a missing bucket says so, rather than "unreachable". */
    static String reason(Throwable failure) {
        if (failure instanceof StoreFailure f) {
            return switch (f.kind()) {
                case MISCONFIGURED -> f.getMessage();
                case REFUSED -> "it refuses our requests (credentials or permissions)";
                case UNAVAILABLE, BUSY -> "unreachable or failing";
                default -> "its probe failed (" + f.kind() + ")";
            };
        }
        if (failure instanceof TimeoutException) {
            return "timeouts";
        }
        if (failure instanceof BulkheadException) {
            return "too many calls in flight";
        }
        return "its probe failed (" + failure.getClass().getSimpleName() + ")";
    }

    /** The failure's kind and the store's own exception type: never its message, which may hold addresses. */
    private static String describe(Throwable failure) {
        if (failure instanceof StoreFailure f) {
            return f.getCause() == null ? f.kind().name() : f.kind() + ": " + f.getCause().getClass().getSimpleName();
        }
        return failure.getClass().getSimpleName();
    }

    static int circuitValue(CircuitBreakerState state) {
        return switch (state) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        };
    }

    /** How long until the next probe may find a provider back: the Retry-After of an outage. */
    public Duration retryAfter() {
        return config.health().probeInterval();
    }
}
