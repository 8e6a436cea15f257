package io.artifactstore.lifecycle;

import io.artifactstore.audit.AuditTrail;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.idempotency.IdempotencyKeyPurge;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * Each replica's housekeeping clock: every {@code artifact-store.lifecycle.reaper-interval} it starts
 * the due work of each lifecycle job. The jobs claim what they handle, so replicas ticking at once
 * never handle one item twice; tests call the jobs directly with a moved clock instead.
 */
@ApplicationScoped
public class LifecycleTicker {

    private static final Logger LOG = Logger.getLogger(LifecycleTicker.class);

    @Inject
    TombstoneSweeper tombstones;

    @Inject
    ExpiryReaper expiry;

    @Inject
    IdempotencyKeyPurge idempotencyKeys;

    @Inject
    AuditTrail audit;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Vertx vertx;

    @Inject
    Clock clock;

    private long timerId = -1;

    void start(@Observes StartupEvent event) {
        timerId = vertx.setPeriodic(Math.max(1000, config.lifecycle().reaperInterval().toMillis()), id -> {
            run("Tombstone sweep", () -> tombstones.sweepDue(clock.instant()));
            run("Expiry reaper", () -> expiry.reapDue(clock.instant()));
            run("Idempotency key purge", () -> idempotencyKeys.purgeExpired(clock.instant()));
            run("Audit purge", () -> audit.purgeBefore(clock.instant().minus(config.audit().retention())));
        });
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** One job's work; a failure waits for the next tick (the job's claims expire), and is no alarm. */
    private static void run(String job, Supplier<Uni<?>> work) {
        work.get().subscribe().with(
                done -> LOG.debugf("%s: %s", job, done),
                failure -> LOG.debugf("%s failed: %s", job, failure.getClass().getName()));
    }
}
