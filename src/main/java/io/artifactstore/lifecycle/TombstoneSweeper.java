package io.artifactstore.lifecycle;

import io.artifactstore.records.Records;
import io.artifactstore.records.TombstoneRows;
import io.artifactstore.core.StorageKey;
import io.artifactstore.resilience.ProviderRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Collectors;

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

    @Inject
    Records records;

    @Inject
    ProviderRegistry providers;

    /** Sweeps every tombstone due at {@code now}, batch after batch; answers how many objects are gone. */
    public Uni<Integer> sweepDue(Instant now) {
        Instant leaseEnd = now.plus(LEASE).truncatedTo(ChronoUnit.MILLIS);
        return Multi.createBy().repeating().uni(() -> records.alone(changes -> changes.tombstones().claimDue(now, leaseEnd, BATCH)))
                .whilst(batch -> batch.size() == BATCH)
                .onItem().transformToUniAndConcatenate(batch -> Multi.createFrom().iterable(batch)
                        .onItem().transformToUniAndMerge(claimed -> sweep(claimed, leaseEnd))
                        .collect().with(Collectors.summingInt(gone -> gone ? 1 : 0)))
                .collect().with(Collectors.summingInt(Integer::intValue));
    }

    /** Deletes the object and, once it is gone, the tombstone; a failure leaves the key for a later sweep. */
    private Uni<Boolean> sweep(TombstoneRows.Buried claimed, Instant leaseEnd) {
        if (providers.find(claimed.provider()).isEmpty()) {
            LOG.warnf("Tombstones of provider %s cannot be swept: the provider is not configured", claimed.provider());
            return Uni.createFrom().item(false);
        }
        return Uni.createFrom().item(() -> StorageKey.parse(claimed.storageKey()))
                .chain(key -> providers.get(claimed.provider()).delete(key))
                .chain(() -> records.alone(changes -> changes.tombstones().forget(claimed.provider(), claimed.storageKey(), leaseEnd)))
                .replaceWith(true)
                .onFailure().recoverWithItem(false);
    }
}
