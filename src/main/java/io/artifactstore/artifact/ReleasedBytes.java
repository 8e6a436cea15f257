package io.artifactstore.artifact;

import io.artifactstore.records.Records;
import io.artifactstore.records.Released;
import io.artifactstore.resilience.ProviderRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;

/**
 * Deletes, right after the transaction that released them committed, the bytes of versions no
 * record names any more (a deleted artifact's, a replaced variant's): their download URLs answer 404
 * from then on (README, "Replacing a variant and expiry"). A version's tombstone stays while a URL
 * handed out for it may still write there, and whatever cannot be deleted now is left to the
 * {@link TombstoneSweeper}. Never fails.
 */
@ApplicationScoped
public class ReleasedBytes {

    private static final Logger LOG = Logger.getLogger(ReleasedBytes.class);

    @Inject
    ProviderRegistry providers;

    @Inject
    Records records;

    public Uni<Void> deleteNow(List<Released> released, Instant now) {
        return released.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(released.stream().map(version -> delete(version, now)).toList()).andCollectFailures()
                        .replaceWithVoid();
    }

    /**
     * Deletes one released version's bytes and forgets its tombstone if it is due at {@code now};
     * answers whether the bytes went. Never fails: what cannot go now stays tombstoned, for the sweeper.
     */
    public Uni<Boolean> delete(Released version, Instant now) {
        if (providers.find(version.provider()).isEmpty()) {
            return Uni.createFrom().item(false); // a provider no longer configured: the tombstone stays, as the sweeper reports
        }
        return Uni.createFrom().item(version::key)
                .chain(key -> providers.get(version.provider()).delete(key))
                .chain(() -> records.alone(changes -> changes.tombstones().forget(version.provider(), version.storageKey(), now)))
                .replaceWith(true)
                .onFailure().invoke(failure -> LOG.debugf("Object of %s/%s left to the sweeper: %s",
                        version.artifactId(), version.variant(), failure.getClass().getName()))
                .onFailure().recoverWithItem(false);
    }
}
