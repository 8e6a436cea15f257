package io.artifactstore.artifact;

import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.resilience.ProviderRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Aborts the multipart uploads of an artifact that can no longer be used (their variant was deleted,
 * re-ticketed or completed by another upload): best effort, right after the change. A row stays when
 * its store could not abort now, so the expiry reaper can finish the job; abandoned parts cost money.
 * The row of the upload that completed its variant stays too, so that a retry of that complete answers
 * the variant (README "Large uploads: multipart"), and so does the row of a write the service is still
 * streaming ({@link MultipartUpload#streamed()}): that write removes it, or the reaper once it expired.
 */
@ApplicationScoped
public class LeftoverMultiparts {

    private static final Logger LOG = Logger.getLogger(LeftoverMultiparts.class);

    @Inject
    MultipartUploadRepository uploads;

    @Inject
    VariantRepository variants;

    @Inject
    ProviderRegistry providers;

    @Inject
    AuditTrail audit;

    /** Never fails: what cannot be aborted now is left for later. */
    public Uni<Void> abortUnusable(String tenantId, String artifactId) {
        return Panache.withSession(() -> uploads.ofArtifact(tenantId, artifactId)
                        .chain(rows -> rows.isEmpty() ? Uni.createFrom().item(List.<MultipartUpload>of())
                                : variants.ofArtifact(tenantId, artifactId).map(current -> rows.stream()
                                .filter(row -> !row.streamed() && current.stream().noneMatch(v -> v.name.equals(row.variant)
                                        && (row.usableFor(v) || row.completedFor(v))))
                                .toList())))
                .chain(unusable -> unusable.isEmpty() ? Uni.createFrom().voidItem()
                        : Uni.join().all(unusable.stream().map(row -> abort(row, null)).toList()).andCollectFailures().replaceWithVoid())
                .onFailure().invoke(failure -> LOG.debugf("Left multiparts of %s to the reaper: %s", artifactId, failure.getClass().getName()))
                .onFailure().recoverWithNull();
    }

    /**
     * Aborts the store's upload (for a streamed write, whose id was never recorded, every upload at its
     * key), then forgets the row, with {@code aborted} recorded in that transaction if this call forgot it
     * (null: the abort follows a change the trail has already). A failure keeps the row.
     */
    Uni<Void> abort(MultipartUpload row, AuditEvent aborted) {
        return providers.get(row.provider).ability(MultipartUploads.class)
                .map(multipart -> row.streamed() ? multipart.abortAllAt(row.key()) : multipart.abortMultipart(row.key(), row.providerUploadId))
                .orElseGet(() -> Uni.createFrom().voidItem())
                .chain(() -> Panache.withTransaction(() -> uploads.deleteOwned(row.tenantId, row.id)
                        .chain(deleted -> deleted > 0 && aborted != null ? audit.record(aborted) : Uni.createFrom().voidItem())))
                .replaceWithVoid();
    }
}
