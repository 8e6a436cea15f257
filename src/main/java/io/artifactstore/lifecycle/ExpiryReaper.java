package io.artifactstore.lifecycle;

import io.artifactstore.artifact.LeftoverMultiparts;
import io.artifactstore.artifact.ReleasedBytes;
import io.artifactstore.records.MultipartUpload;
import io.artifactstore.records.Records;
import io.artifactstore.records.Released;
import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.provider.IncomingSweep;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.security.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Expiry (README "Replacing a variant and expiry"): pending uploads whose ticket ran out (plus the pending grace)
 * turn EXPIRED and lose their partial bytes and multipart uploads; replacements whose ticket ran out
 * are dropped; {@code intermediate} artifacts older than their TTL are deleted like a DELETE; expired
 * multipart uploads are aborted; crash leftovers in a local provider's incoming area are swept. Each
 * replica runs it on a timer, in bounded batches whose rows are claimed with {@code FOR UPDATE SKIP
 * LOCKED} ({@link ExpiryBatches}), so replicas reaping at once handle each item once.
 */
@ApplicationScoped
public class ExpiryReaper {

    private static final Logger LOG = Logger.getLogger(ExpiryReaper.class);
    static final int BATCH = 100;
    /** The subject of the reaper's changes in the audit trail: system:expiry-reaper. */
    public static final String SUBJECT = "expiry-reaper";
    /** How long a claimed multipart upload is left to the replica that claimed it. */
    public static final Duration LEASE = Duration.ofMinutes(5);
    /** Object deletes in flight at once per reaper: each also takes a database connection. */
    static final int PARALLEL_DELETES = 8;

    @Inject
    ExpiryBatches batches;

    @Inject
    Records records;

    @Inject
    ProviderRegistry providers;

    @Inject
    ReleasedBytes releasedBytes;

    @Inject
    LeftoverMultiparts leftovers;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    ExpiryCounters expiredCounters;

    /** What one run did. */
    public record Reaped(int expiredUploads, int droppedReplacements, int deletedIntermediates, int abortedMultiparts,
                         int deletedObjects, int sweptIncoming) {
    }

    /** Reaps everything due at {@code at}, batch after batch. */
    public Uni<Reaped> reapDue(Instant at) {
        Instant now = at.truncatedTo(ChronoUnit.MILLIS);
        Duration grace = config.lifecycle().pendingGrace();
        Instant cutoff = now.minus(grace);
        int[] deleted = new int[1];
        Function<List<Released>, Uni<Integer>> removed = versions -> deleteObjects(versions, now)
                .invoke(gone -> deleted[0] += gone)
                .call(() -> abortMultiparts(versions))
                .replaceWith(versions.size());
        return eachBatch(() -> batches.expireUploads(cutoff, now, BATCH).invoke(expiredCounters::count), removed)
                .chain(expired -> eachBatch(() -> batches.dropExpiredReplacements(cutoff, now, BATCH), removed)
                        .chain(dropped -> eachBatch(() -> batches.deleteIntermediates(
                                        now.minus(config.lifecycle().intermediateTtl()), now, BATCH),
                                versions -> removed.apply(versions).replaceWith(distinctArtifacts(versions)))
                                .chain(intermediates -> abortExpiredMultiparts(now)
                                        .chain(aborted -> sweepIncoming(now)
                                                .map(swept -> new Reaped(expired, dropped, intermediates, aborted, deleted[0], swept))))));
    }

    /** Runs {@code claim} until a batch comes back short, handling each; answers the sum of the handlers' counts. */
    private static <T> Uni<Integer> eachBatch(Supplier<Uni<List<T>>> claim, Function<List<T>, Uni<Integer>> handle) {
        return Multi.createBy().repeating().<List<T>>uni(claim::get)
                .whilst(batch -> batch.size() >= BATCH)
                .onItem().transformToUniAndConcatenate(batch -> batch.isEmpty() ? Uni.createFrom().item(0) : handle.apply(batch))
                .collect().with(Collectors.summingInt(Integer::intValue));
    }

    /** Deletes the released objects now; a tombstone stays while a URL may still write there, or on failure. */
    private Uni<Integer> deleteObjects(List<Released> versions, Instant now) {
        return Multi.createFrom().iterable(versions)
                .onItem().transformToUni(version -> releasedBytes.delete(version, now)).merge(PARALLEL_DELETES)
                .collect().with(Collectors.summingInt(gone -> gone ? 1 : 0));
    }

    /**
     * The multipart uploads of the touched artifacts can no longer be used: abort them now (never
     * fails). One artifact after the other: each abort holds a database connection and calls the store.
     */
    private Uni<Void> abortMultiparts(List<Released> versions) {
        return Multi.createFrom().iterable(versions.stream().map(v -> List.of(v.tenantId(), v.artifactId())).distinct().toList())
                .onItem().transformToUniAndConcatenate(owner -> leftovers.abortUnusable(owner.get(0), owner.get(1)))
                .collect().last().replaceWithVoid();
    }

    /**
     * Multipart uploads past their expiry, whatever their variant: their parts cost money. One at the
     * key its variant names is aborted too, quietly: it may be the one that completed the variant (the
     * store no longer knows its id, no failure) or another one started for that version. A
     * client's upload still starting expires at the end of its start window: a crash cut its start short.
     */
    private Uni<Integer> abortExpiredMultiparts(Instant now) {
        Instant leaseEnd = now.plus(LEASE);
        return eachBatch(() -> records.alone(changes -> changes.multiparts().claimExpired(now, leaseEnd, BATCH)), claimed -> Multi.createFrom().iterable(claimed)
                .onItem().transformToUniAndConcatenate(expired -> (expired.completed()
                                ? leftovers.abort(expired.upload(), null).replaceWith(0)
                                : abortExpired(expired.upload(), now).replaceWith(1))
                        .onFailure().invoke(failure -> LOG.debugf("Multipart upload %s not aborted yet: %s", expired.upload().id,
                                failure.getClass().getName()))
                        .onFailure().recoverWithItem(0))
                .collect().with(Collectors.summingInt(Integer::intValue)));
    }

    private Uni<Void> abortExpired(MultipartUpload row, Instant now) {
        String why = row.starting() ? " never finished starting; the store's uploads at its key that no upload names aborted"
                : " expired; aborted";
        return leftovers.abort(row, AuditEvent.succeeded(Caller.system(row.tenantId, SUBJECT),
                AuditAction.EXPIRE, row.artifactId, row.variant, now).withDetail("multipart upload " + row.id + why));
    }

    /**
     * Leftovers in the incoming areas of providers that have one (the local provider): files older
     * than the longest any upload can write there (a ticket's max TTL or a multipart upload's, plus
     * the pending grace). Never fails.
     */
    private Uni<Integer> sweepIncoming(Instant now) {
        Duration longest = config.signing().maxTtl().compareTo(config.signing().multipartTtl()) >= 0
                ? config.signing().maxTtl() : config.signing().multipartTtl();
        Instant olderThan = now.minus(longest).minus(config.lifecycle().pendingGrace());
        List<Uni<Integer>> sweeps = providers.all().stream()
                .flatMap(provider -> provider.ability(IncomingSweep.class).stream())
                .map(sweep -> sweep.sweepIncoming(olderThan)
                        .onFailure().invoke(failure -> LOG.debugf("Incoming sweep failed: %s", failure.getClass().getName()))
                        .onFailure().recoverWithItem(0))
                .toList();
        return sweeps.isEmpty() ? Uni.createFrom().item(0)
                : Uni.join().all(sweeps).andFailFast().map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
    }

    private static int distinctArtifacts(List<Released> versions) {
        return (int) versions.stream().map(Released::artifactId).distinct().count();
    }
}
