package io.artifactstore.ops;

import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.resilience.ResilientProvider;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** {@code artifact_store_stored_bytes}: bytes of available variants per provider, refreshed every 30 s. */
@ApplicationScoped
public class StoredBytesGauge {

    private static final Logger LOG = Logger.getLogger(StoredBytesGauge.class);
    private static final long REFRESH_MILLIS = 30_000;
    private static final String QUERY =
            "SELECT provider, COALESCE(SUM(size), 0) AS bytes FROM artifact_variants WHERE status = 'AVAILABLE' GROUP BY provider";

    @Inject
    ProviderRegistry providers;

    @Inject
    MeterRegistry metrics;

    @Inject
    Pool database;

    @Inject
    Vertx vertx;

    private final Map<String, AtomicLong> bytes = new ConcurrentHashMap<>();
    private long timerId = -1;

    void start(@Observes StartupEvent event) {
        for (ResilientProvider provider : providers.all()) {
            AtomicLong value = bytes.computeIfAbsent(provider.name(), name -> new AtomicLong());
            Gauge.builder("artifact_store_stored_bytes", value, AtomicLong::get)
                    .description("Bytes of available artifact variants per provider").baseUnit("bytes")
                    .tag("provider", provider.name()).register(metrics);
        }
        refresh();
        timerId = vertx.setPeriodic(REFRESH_MILLIS, id -> refresh());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    void refresh() {
        database.query(QUERY).execute().subscribe().with(rows -> {
            bytes.values().forEach(value -> value.set(0));
            for (Row row : rows) {
                AtomicLong value = bytes.get(row.getString("provider"));
                if (value != null) {
                    value.set(row.getLong("bytes"));
                }
            }
        }, failure -> LOG.warnf("Could not refresh stored bytes (%s)", failure.getClass().getSimpleName()));
    }
}
