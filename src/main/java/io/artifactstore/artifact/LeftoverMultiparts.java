package io.artifactstore.artifact;

import io.artifactstore.records.Changes;
import io.artifactstore.records.MultipartUpload;
import io.artifactstore.records.Records;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.resilience.ProviderRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Aborts the multipart uploads of an artifact that can no longer be used (their variant was deleted,
 * re-ticketed or completed by another upload): best effort, right after the change. A row stays when
 * its store could not abort now, so the expiry reaper can finish the job; abandoned parts cost money.
 * The row of the upload that completed its variant stays too, so that a retry of that complete answers
 * the variant (README "Large uploads: multipart"), and so do the row of a write the service is still
 * streaming ({@link MultipartUpload#streamed}) and that of a client's upload still starting
 * ({@link MultipartUpload#starting()}): their own call removes them, or the reaper once they expired.
 */
@ApplicationScoped
public class LeftoverMultiparts {

    private static final Logger LOG = Logger.getLogger(LeftoverMultiparts.class);

    @Inject
    Records records;

    @Inject
    ProviderRegistry providers;

    @Inject
    Clock clock;

    /** Never fails: what cannot be aborted now is left for later. */
    public Uni<Void> abortUnusable(String tenantId, String artifactId) {
        return abortUnusable(tenantId, artifactId, null);
    }

    /**
     * As {@link #abortUnusable(String, String)}, right after upload {@code completed} completed its
     * variant: the other uploads at the same key are no longer usable either, though they wrote the
     * version the variant now names, and only the completed one's row stays.
     */
    public Uni<Void> abortUnusable(String tenantId, String artifactId, String completed) {
        return records.alone(changes -> changes.multiparts().ofArtifact(tenantId, artifactId)
                        .chain(rows -> rows.isEmpty() ? Uni.createFrom().item(List.<MultipartUpload>of())
                                : changes.variants().ofArtifact(tenantId, artifactId).map(current -> rows.stream()
                                .filter(row -> row.started() && current.stream().noneMatch(v -> v.name.equals(row.variant)
                                        && (row.usableFor(v) || row.completedFor(v) && (completed == null || completed.equals(row.id)))))
                                .toList())))
                .chain(unusable -> unusable.isEmpty() ? Uni.createFrom().voidItem()
                        : Uni.join().all(unusable.stream().map(row -> abort(row, null)).toList()).andCollectFailures().replaceWithVoid())
                .onFailure().invoke(failure -> LOG.debugf("Left multiparts of %s to the reaper: %s", artifactId, failure.getClass().getName()))
                .onFailure().recoverWithNull();
    }

    /**
     * Aborts the store's upload (for a streamed write, whose id was never recorded, every upload at its
     * key; for a client's start cut short, the uploads at its key no row names), then forgets the row,
     * with {@code aborted} recorded in that transaction if this call forgot it (null: the abort follows
     * a change the trail has already). A failure keeps the row.
     */
    public Uni<Void> abort(MultipartUpload row, AuditEvent aborted) {
        return providers.get(row.provider).ability(MultipartUploads.class)
                .map(multipart -> row.streamed ? multipart.abortAllAt(row.key())
                        : row.starting() ? abortUnrecorded(multipart, row)
                        : multipart.abortMultipart(row.key(), row.providerUploadId))
                .orElseGet(() -> Uni.createFrom().voidItem())
                .chain(() -> aborted == null ? records.alone(changes -> forget(changes, row))
                        : records.inTransaction(changes -> forget(changes, row)
                                .chain(forgotten -> forgotten ? changes.audit(aborted) : Uni.createFrom().voidItem())))
                .replaceWithVoid();
    }

    /** Forgets the row (a starting one only while it still is); answers whether this call did. */
    private static Uni<Boolean> forget(Changes changes, MultipartUpload row) {
        return row.starting() ? changes.multiparts().deleteStarting(row.tenantId, row.id)
                : changes.multiparts().delete(row.tenantId, row.id);
    }

    /**
     * The store's uploads at a starting row's key that no row names: the variant's key is shared by
     * all its uploads, so only those are the cut-short start's. The store is asked first, the rows
     * after: a start writes its row before the store starts its upload, so every upload listed has
     * its row by then, with its id or still starting. While another start at the key may still be in
     * flight, its upload cannot be told from this one's: the row waits for the next round.
     */
    private Uni<Void> abortUnrecorded(MultipartUploads multipart, MultipartUpload row) {
        return multipart.uploadsAt(row.key()).chain(held -> held.isEmpty() ? Uni.createFrom().voidItem()
                : records.alone(changes -> changes.multiparts().atKey(row.provider, row.storageKey)).chain(rows -> {
                    Instant now = clock.instant();
                    if (rows.stream().anyMatch(other -> !other.id.equals(row.id) && other.mayStillStart(now))) {
                        return Uni.createFrom().<Void>failure(new IllegalStateException("another start at the key may still be in flight"));
                    }
                    Set<String> recorded = rows.stream().map(other -> other.providerUploadId).filter(Objects::nonNull).collect(Collectors.toSet());
                    List<Uni<Void>> aborts = held.stream().filter(id -> !recorded.contains(id))
                            .map(id -> multipart.abortMultipart(row.key(), id)).toList();
                    return aborts.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(aborts).andFailFast().replaceWithVoid();
                }));
    }
}
