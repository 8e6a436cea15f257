package io.artifactstore.ops;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.resilience.ResilientProvider;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.ObserverMethod;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code artifact_store_stored_bytes}: bytes of available variants per configured provider, as the
 * {@link ProviderUsageSnapshot} holds them. Every refresh interval each replica asks for the snapshot
 * to be recomputed (one replica does it) and publishes what it reads, so all replicas publish the
 * same value. A provider's gauge exists only once a value has been read for it: never a made-up 0.
 * While the database is unreachable the last values stay, and the outage is logged once.
 */
@ApplicationScoped
public class StoredBytesGauge {

    private static final Logger LOG = Logger.getLogger(StoredBytesGauge.class);
    static final String NAME = "artifact_store_stored_bytes";

    private final ProviderUsageSnapshot snapshot;
    private final MeterRegistry metrics;
    private final List<String> providers;
    private final Duration interval;
    private final Map<String, AtomicLong> published = new ConcurrentHashMap<>();
    private final AtomicBoolean failing = new AtomicBoolean();
    private Vertx vertx;
    private long timerId = -1;
    private volatile boolean stopped;

    @Inject
    public StoredBytesGauge(ProviderUsageSnapshot snapshot, MeterRegistry metrics, ProviderRegistry providers,
                            ArtifactStoreConfig config, Vertx vertx) {
        this(snapshot, metrics, providers.all().stream().map(ResilientProvider::name).toList(),
                config.storedBytes().refreshInterval());
        this.vertx = vertx;
    }

    StoredBytesGauge(ProviderUsageSnapshot snapshot, MeterRegistry metrics, List<String> providers, Duration interval) {
        this.snapshot = snapshot;
        this.metrics = metrics;
        this.providers = List.copyOf(providers);
        this.interval = interval;
    }

    // After the @Startup beans (default priority): a configuration they refuse stops start-up before any query.
    void start(@Observes @Priority(ObserverMethod.DEFAULT_PRIORITY + 100) StartupEvent event) {
        refresh().subscribe().with(ignored -> { });
        timerId = vertx.setPeriodic(Math.max(100, interval.toMillis()), id -> refresh().subscribe().with(ignored -> { }));
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true; // a refresh cut off by the pool closing is no outage
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** Recomputes the snapshot if it is due, then publishes it; never fails. Answers whether this replica did the scan. */
    Uni<Boolean> refresh() {
        return snapshot.refreshIfDue(interval, providers)
                .flatMap(scanned -> snapshot.read().invoke(this::publish).replaceWith(scanned))
                .invoke(ignored -> {
                    if (failing.compareAndSet(true, false)) {
                        LOG.info("Stored bytes are refreshed again");
                    }
                })
                .onFailure().recoverWithItem(failure -> {
                    if (failing.compareAndSet(false, true) && !stopped) {
                        LOG.warnf("Could not refresh stored bytes (%s); the last values stay published until the database is back",
                                typeChain(failure));
                    }
                    return false;
                });
    }

    /** The failure's types, never its messages, which may hold addresses or SQL. */
    private static String typeChain(Throwable failure) {
        StringBuilder chain = new StringBuilder(failure.getClass().getSimpleName());
        for (Throwable t = failure.getCause(); t != null && t != t.getCause() && chain.length() < 200; t = t.getCause()) {
            chain.append(" < ").append(t.getClass().getSimpleName());
        }
        return chain.toString();
    }

    private void publish(Map<String, Long> bytes) {
        for (String provider : providers) {
            Long value = bytes.get(provider);
            if (value != null) {
                published.computeIfAbsent(provider, this::register).set(value);
            }
        }
    }

    private AtomicLong register(String provider) {
        AtomicLong value = new AtomicLong();
        Gauge.builder(NAME, value, AtomicLong::get)
                .description("Bytes of available artifact variants per provider, recomputed by one replica every refresh interval")
                .baseUnit("bytes").tag("provider", provider).register(metrics);
        return value;
    }
}
