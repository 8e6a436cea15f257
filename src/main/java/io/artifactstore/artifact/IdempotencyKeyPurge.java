package io.artifactstore.artifact;

import io.artifactstore.config.ArtifactStoreConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Deletes expired idempotency keys, a bounded batch at a time, on each replica's reaper tick. An
 * expired key already acts as new (a request takes it over), so this only keeps the table small;
 * {@code SKIP LOCKED} keeps replicas out of each other's way.
 */
@ApplicationScoped
public class IdempotencyKeyPurge {

    private static final Logger LOG = Logger.getLogger(IdempotencyKeyPurge.class);
    static final int BATCH = 500;
    /** Batches per tick at most, so one tick never runs long; what is left goes on the next. */
    static final int MAX_BATCHES = 20;

    @Inject
    IdempotencyKeys keys;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Vertx vertx;

    @Inject
    Clock clock;

    private long timerId = -1;

    void start(@Observes StartupEvent event) {
        timerId = vertx.setPeriodic(Math.max(1000, config.lifecycle().reaperInterval().toMillis()), id ->
                purgeExpired(clock.instant()).subscribe().with(
                        purged -> LOG.debugf("Purged %d expired idempotency keys", purged),
                        failure -> LOG.debugf("Idempotency key purge failed: %s", failure.getClass().getName())));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** Deletes the keys expired at {@code now}, up to {@link #MAX_BATCHES} batches; answers how many went. */
    public Uni<Integer> purgeExpired(Instant now) {
        AtomicInteger batches = new AtomicInteger();
        return Multi.createBy().repeating().uni(() -> keys.purgeExpired(now, BATCH))
                .whilst(purged -> purged == BATCH && batches.incrementAndGet() < MAX_BATCHES)
                .collect().with(Collectors.summingInt(Integer::intValue));
    }
}
