package io.artifactstore.artifact;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.provider.ProviderRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Deletes the objects of due tombstones, a bounded batch at a time. Each replica runs it; a batch is
 * claimed with {@code FOR UPDATE SKIP LOCKED} and leased, so two replicas never take the same key
 * and a replica that dies mid-batch only delays its keys by the lease. A tombstone goes only once
 * its object is gone.
 */
@ApplicationScoped
public class TombstoneSweeper {

    private static final Logger LOG = Logger.getLogger(TombstoneSweeper.class);
    static final int BATCH = 100;
    /** How long a claimed key is left to the replica that claimed it before another may retry it. */
    static final Duration LEASE = Duration.ofMinutes(5);

    private static final String CLAIM_DUE = """
            UPDATE object_tombstones t SET sweep_at = $2
            FROM (SELECT provider, storage_key FROM object_tombstones WHERE sweep_at <= $1
                  ORDER BY sweep_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
            WHERE t.provider = due.provider AND t.storage_key = due.storage_key
            RETURNING t.provider, t.storage_key""";

    private static final String FORGET = """
            DELETE FROM object_tombstones WHERE provider = $1 AND storage_key = $2 AND sweep_at <= $3""";

    @Inject
    Pool database;

    @Inject
    ProviderRegistry providers;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Vertx vertx;

    private long timerId = -1;

    void start(@Observes StartupEvent event) {
        timerId = vertx.setPeriodic(Math.max(1000, config.lifecycle().reaperInterval().toMillis()), id ->
                sweepDue(Instant.now()).subscribe().with(
                        swept -> LOG.debugf("Swept %d tombstoned objects", swept),
                        failure -> LOG.debugf("Tombstone sweep failed: %s", failure.getClass().getName())));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** Sweeps every tombstone due at {@code now}, batch after batch; answers how many objects are gone. */
    public Uni<Integer> sweepDue(Instant now) {
        Instant leaseEnd = now.plus(LEASE).truncatedTo(ChronoUnit.MILLIS);
        return Multi.createBy().repeating().uni(() -> claim(now, leaseEnd))
                .whilst(batch -> batch.size() == BATCH)
                .onItem().transformToUniAndConcatenate(batch -> Multi.createFrom().iterable(batch)
                        .onItem().transformToUniAndMerge(claimed -> sweep(claimed, leaseEnd))
                        .collect().with(java.util.stream.Collectors.summingInt(gone -> gone ? 1 : 0)))
                .collect().with(java.util.stream.Collectors.summingInt(Integer::intValue));
    }

    /** Deletes the object and, once it is gone, the tombstone; a failure leaves the key for a later sweep. */
    private Uni<Boolean> sweep(Claimed claimed, Instant leaseEnd) {
        Optional<StorageKey> key = claimed.key();
        if (key.isEmpty() || providers.find(claimed.provider()).isEmpty()) {
            LOG.warnf("Tombstone of provider %s cannot be swept: the provider is not configured", claimed.provider());
            return Uni.createFrom().item(false);
        }
        return providers.get(claimed.provider()).delete(key.get())
                .chain(() -> forget(claimed.provider(), claimed.storageKey(), leaseEnd))
                .replaceWith(true)
                .onFailure().recoverWithItem(false);
    }

    /** Drops the tombstone of a key whose object is gone, unless a URL may still write there after {@code gone}. */
    Uni<Void> forget(String provider, String storageKey, Instant gone) {
        return database.preparedQuery(FORGET).execute(Tuple.of(provider, storageKey, gone.atOffset(ZoneOffset.UTC)))
                .replaceWithVoid();
    }

    private Uni<List<Claimed>> claim(Instant now, Instant leaseEnd) {
        return database.preparedQuery(CLAIM_DUE)
                .execute(Tuple.of(now.atOffset(ZoneOffset.UTC), leaseEnd.atOffset(ZoneOffset.UTC), BATCH))
                .map(rows -> {
                    List<Claimed> claimed = new java.util.ArrayList<>();
                    for (Row row : rows) {
                        claimed.add(new Claimed(row.getString("provider"), row.getString("storage_key")));
                    }
                    return claimed;
                });
    }

    private record Claimed(String provider, String storageKey) {
        Optional<StorageKey> key() {
            try {
                return Optional.of(StorageKey.parse(storageKey));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
