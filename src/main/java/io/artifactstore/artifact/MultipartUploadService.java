package io.artifactstore.artifact;

import io.artifactstore.core.ServiceClock;
import io.artifactstore.records.Changes;
import io.artifactstore.records.MultipartUpload;
import io.artifactstore.records.Records;
import io.artifactstore.records.Status;
import io.artifactstore.records.Variant;
import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.resilience.ResilientProvider;
import io.artifactstore.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Multipart uploads of pending variants (README "Large uploads: multipart"): start, sign part URLs, list
 * what arrived, complete (the store assembles the parts, then the same verification as a single
 * PUT's complete) and abort. An upload id is bound to the version of the variant it was started for.
 */
@ApplicationScoped
public class MultipartUploadService {

    /** Part URLs signed per call at most: a bounded answer, and Uppy asks for a few at a time anyway. */
    static final int MAX_PARTS_PER_CALL = 1000;
    private static final Pattern ETAG = Pattern.compile("[\\x21-\\x7E]{1,256}");

    @Inject
    Records records;

    @Inject
    LeftoverMultiparts leftovers;

    @Inject
    Completion completion;

    @Inject
    ArtifactQueries queries;

    @Inject
    ProviderRegistry providers;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Clock clock;

    /**
     * Starts a multipart upload of the pending variant, or of the pending replacement of an available
     * one. Starting again starts another: each stays usable until the variant (or its replacement) is
     * completed (through any of them), re-ticketed or deleted. The upload is recorded before the store
     * starts it (README "Large uploads: multipart"): a crash between the two leaves a row the expiry
     * reaper finds, not an upload on the store nobody aborts.
     */
    public Uni<MultipartMessages.Started> start(Caller caller, String artifactId, String variantName) {
        return recordStarting(caller.tenantId(), artifactId, variantName)
                .chain(starting -> {
                    MultipartUpload row = starting.row();
                    MultipartUploads multipart = multipartOf(row.provider);
                    return multipart.startMultipart(row.key(), starting.contentType(), row.size)
                            .onFailure().call(failure -> startFailed(row, failure))
                            .chain(providerUploadId -> recordStarted(caller, row, providerUploadId)
                                    .onFailure().call(() -> multipart.abortMultipart(row.key(), providerUploadId)
                                            .chain(() -> forgetStarting(row)) // kept if the abort failed: the reaper's then
                                            .onFailure().recoverWithNull()));
                })
                .map(row -> new MultipartMessages.Started(row.id, row.partSize, row.partCount, row.expiresAt));
    }

    /** A starting row and the content type its store upload is started with. */
    private record Starting(MultipartUpload row, String contentType) {
    }

    /**
     * Under the artifact's lock, so parallel starts take turns: checks the variant (or its pending
     * replacement) and the room for another upload, then records the upload as starting, with no
     * store id yet and an expiry at the end of its start window. Nothing is started on the store when
     * this fails.
     */
    private Uni<Starting> recordStarting(String tenantId, String artifactId, String variantName) {
        Instant now = ServiceClock.now(clock);
        return records.inTransaction(changes -> changes.artifacts().lock(tenantId, artifactId)
                .onItem().ifNull().failWith(MultipartUploadService::noSuchVariant)
                .chain(() -> changes.variants().find(tenantId, artifactId, variantName))
                .onItem().ifNull().failWith(MultipartUploadService::noSuchVariant)
                .chain(found -> {
                    Variant variant = found.status == Status.AVAILABLE && found.hasReplacement() ? found.replacement() : found;
                    if (variant.status != Status.PENDING) {
                        throw DomainFailure.conflict("Variant " + variantName + " is already uploaded; ask for a ticket with"
                                + " \"replace\": true and \"multipart\": true to replace its bytes in parts");
                    }
                    if (variant.size == 0) {
                        throw DomainFailure.conflict("An empty object has no parts: upload it with the single PUT of its ticket");
                    }
                    PartPlan plan = PartPlan.of(variant.size, multipartOf(variant.provider).partLimits());
                    MultipartUpload row = new MultipartUpload();
                    row.id = Ulid.next();
                    row.tenantId = tenantId;
                    row.artifactId = artifactId;
                    row.variant = found.name;
                    row.provider = variant.provider;
                    row.storageKey = variant.storageKey;
                    row.providerUploadId = null; // starting: the store has not answered it yet
                    row.size = variant.size;
                    row.partSize = plan.partSize();
                    row.partCount = plan.partCount();
                    row.createdAt = now;
                    row.expiresAt = now.plus(MultipartUpload.START_WINDOW);
                    return checkRoomForAnother(changes, variant, now).chain(() -> changes.multiparts().insert(row))
                            .replaceWith(new Starting(row, variant.contentType));
                }));
    }

    /**
     * Under the artifact's lock: the store's id is recorded only if the upload is still starting,
     * within its start window (past it, the reaper may be aborting it as a crash's), and the variant
     * still awaits the version it was started for; the upload then gets its real expiry, and the window
     * of that version's ticket reaches as far as the upload may write.
     */
    private Uni<MultipartUpload> recordStarted(Caller caller, MultipartUpload started, String providerUploadId) {
        Instant now = ServiceClock.now(clock);
        return records.inTransaction(changes -> changes.artifacts().lock(started.tenantId, started.artifactId)
                .onItem().ifNull().failWith(MultipartUploadService::noSuchVariant)
                .chain(() -> changes.variants().find(started.tenantId, started.artifactId, started.variant))
                .chain(current -> changes.multiparts().find(started.tenantId, started.artifactId, started.id).chain(row -> {
                    if (row == null || !row.mayStillStart(now)) { // the reaper takes it, or may, for a crash's
                        throw DomainFailure.unavailable("The store took too long to start the upload; start again", 5);
                    }
                    if (!row.writes(current)) {
                        throw DomainFailure.conflict("The variant changed while the upload was being started; start again");
                    }
                    row.providerUploadId = providerUploadId;
                    row.expiresAt = now.plus(config.signing().multipartTtl());
                    return changes.multiparts().recordStarted(row)
                            .chain(() -> keepWritable(changes, current, row.expiresAt))
                            .chain(() -> changes.audit(AuditEvent.succeeded(caller, AuditAction.MULTIPART_START, row.artifactId,
                                    row.variant, now).withDetail("upload " + row.id)))
                            .replaceWith(row);
                })));
    }

    /**
     * Extends the window of the version the upload writes (the pending variant's, or its pending
     * replacement's) to {@code until}, so nothing takes it for abandoned while the upload may still write.
     */
    private static Uni<Void> keepWritable(Changes changes, Variant current, Instant until) {
        Variant extended = current.copy();
        if (current.status == Status.PENDING && current.uploadExpiresAt.isBefore(until)) {
            extended.uploadExpiresAt = until;
        } else if (current.status == Status.AVAILABLE && current.replacementExpiresAt.isBefore(until)) {
            extended.replacementExpiresAt = until;
        } else {
            return Uni.createFrom().voidItem();
        }
        return changes.variants().update(extended);
    }

    /**
     * The store did not start the upload. A refusal (a 4xx, an open breaker) started nothing: the
     * row goes. A timeout or an outage may have started it unseen: the uploads at the key no row
     * names are aborted with the row, or, when the store cannot tell now, the reaper does it once
     * the row's start window is over.
     */
    private Uni<Void> startFailed(MultipartUpload row, Throwable failure) {
        return (ResilientProvider.temporary(failure) ? leftovers.abort(row, null) : forgetStarting(row))
                .onFailure().recoverWithNull();
    }

    private Uni<Void> forgetStarting(MultipartUpload row) {
        return records.alone(changes -> changes.multiparts().deleteStarting(row.tenantId, row.id)).replaceWithVoid();
    }

    /**
     * 409 when the version already has {@code uploads.max-multipart-per-variant} uploads that have not
     * expired (README "Large uploads: multipart"): each may hold parts up to the variant's size on the store.
     */
    private Uni<Void> checkRoomForAnother(Changes changes, Variant version, Instant now) {
        int max = config.uploads().maxMultipartPerVariant();
        return changes.multiparts().countOpen(version.tenantId, version.artifactId, version.name, version.storageKey, now)
                .invoke(open -> {
                    if (open >= max) {
                        throw DomainFailure.conflict("Variant " + version.name + " has " + open + " multipart uploads open,"
                                + " the most it may have: complete or abort one (DELETE .../multipart/{uploadId}), or ask for"
                                + " a new ticket for the variant, which ends them all");
                    }
                })
                .replaceWithVoid();
    }

    /** Signed URLs for the given parts of a usable upload. */
    public Uni<MultipartMessages.SignedParts> signParts(String tenantId, String artifactId, String uploadId,
                                                        MultipartMessages.PartNumbers request) {
        List<Integer> numbers = request == null ? null : request.partNumbers();
        if (numbers == null || numbers.isEmpty() || numbers.size() > MAX_PARTS_PER_CALL) {
            return Uni.createFrom().failure(DomainFailure.invalidField("partNumbers",
                    "must list 1 to " + MAX_PARTS_PER_CALL + " part numbers"));
        }
        if (numbers.stream().anyMatch(n -> n == null || n < 1 || n > PartPlan.MAX_PARTS)) {
            return Uni.createFrom().failure(DomainFailure.invalidField("partNumbers",
                    "must be whole numbers from 1 to " + PartPlan.MAX_PARTS));
        }
        return usable(tenantId, artifactId, uploadId).chain(row -> {
            if (numbers.stream().anyMatch(n -> n > row.partCount)) {
                throw DomainFailure.invalidField("partNumbers", "must be from 1 to " + row.partCount + ", the upload's part count");
            }
            Duration left = Duration.between(clock.instant(), row.expiresAt);
            if (left.toSeconds() < 1) {
                throw DomainFailure.of(DomainFailure.Kind.EXPIRED, "The multipart upload has expired; start a new one");
            }
            Duration ttl = left.compareTo(config.signing().uploadTtl()) < 0 ? left : config.signing().uploadTtl();
            MultipartUploads multipart = multipartOf(row.provider);
            return Uni.join().all(numbers.stream().distinct().sorted()
                            .map(n -> multipart.presignPart(row.key(), row.providerUploadId, n, row.sizeOfPart(n), ttl)
                                    .map(signed -> new MultipartMessages.SignedPart(n, signed.method(), signed.url(),
                                            signed.headers(), signed.expiresAt())))
                            .toList())
                    .andFailFast()
                    .map(MultipartMessages.SignedParts::new);
        });
    }

    /** The parts the store holds, for a client that resumes. */
    public Uni<MultipartMessages.StoredParts> listParts(String tenantId, String artifactId, String uploadId) {
        return usable(tenantId, artifactId, uploadId)
                .chain(row -> multipartOf(row.provider).listParts(row.key(), row.providerUploadId)
                        .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.NOT_FOUND)).transform(f -> noSuchUpload()))
                .map(parts -> new MultipartMessages.StoredParts(parts.stream()
                        .map(p -> new MultipartMessages.StoredPart(p.partNumber(), p.size(), p.etag())).toList()));
    }

    /**
     * Has the store assemble the parts, then checks the object exactly as {@code complete} does. The
     * parts must be 1 to partCount in order, each with the ETag its PUT answered. Safe to retry after a
     * crash at any point (README "Large uploads: multipart"): the upload's row stays until its variant
     * moves on, a store that assembled the parts already is no failure, and once the variant names
     * this upload's bytes a retry answers it as it is. An upload aborted meanwhile (its artifact
     * deleted, its variant re-ticketed) is a 409, whatever the store made of the race.
     */
    public Uni<ArtifactView> complete(Caller caller, String artifactId, String uploadId, MultipartMessages.Complete request) {
        String tenantId = caller.tenantId();
        List<MultipartMessages.CompletedPart> parts = request == null ? null : request.parts();
        if (parts == null || parts.isEmpty() || parts.size() > PartPlan.MAX_PARTS) {
            return Uni.createFrom().failure(DomainFailure.invalidField("parts", "must list every part of the upload"));
        }
        for (MultipartMessages.CompletedPart part : parts) {
            if (part == null || part.partNumber() == null || part.etag() == null || !ETAG.matcher(part.etag()).matches()) {
                return Uni.createFrom().failure(DomainFailure.invalidField("parts",
                        "each part needs its partNumber and the ETag its PUT answered"));
            }
        }
        return withVariant(tenantId, artifactId, uploadId).chain(found -> {
            MultipartUpload row = found.row();
            if (row.completedFor(found.variant())) {
                return queries.get(tenantId, artifactId); // a retry of a complete that got through
            }
            if (!row.usableFor(found.variant())) {
                throw noSuchUpload();
            }
            for (int i = 0; i < parts.size(); i++) {
                if (parts.get(i).partNumber() != i + 1 || parts.size() != row.partCount) {
                    throw DomainFailure.invalidField("parts", "must list parts 1 to " + row.partCount + " in order, each once");
                }
            }
            return multipartOf(row.provider).completeMultipart(row.key(), row.providerUploadId,
                            parts.stream().map(p -> new MultipartUploads.CompletedPart(p.partNumber(), p.etag())).toList(),
                            row.size, declaredSha256(found.variant(), row))
                    .replaceWithVoid()
                    // A retried complete finds the upload gone when the store assembled it before: the check below tells.
                    .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.NOT_FOUND)).recoverWithNull()
                    .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.INVALID)).recoverWithUni(failure -> assembledBefore(row, failure))
                    .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.BAD_CHECKSUM))
                    .call(() -> leftovers.abort(row, AuditEvent.rejected(caller, AuditAction.COMPLETE, artifactId, row.variant,
                            ServiceClock.now(clock), "The parts' sha256 differs from the declared one; upload " + row.id + " aborted")).onFailure().recoverWithNull())
                    .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.BAD_CHECKSUM))
                    .transform(failure -> DomainFailure.rejectedContent("The parts' sha256 differs from the declared one"))
                    .onFailure(failure -> !DomainFailure.is(failure, DomainFailure.Kind.REJECTED_CONTENT))
                    .recoverWithUni(failure -> endedMeanwhile(row, failure))
                    .chain(() -> completion.complete(caller, artifactId, row.variant, "multipart upload " + row.id))
                    .call(() -> leftovers.abortUnusable(tenantId, artifactId, row.id)); // other uploads of the variant, now unusable
        });
    }

    /**
     * The store finds the parts missing: some stores (S3Proxy) list no parts of an upload they
     * assembled already, instead of answering that it is gone. An object at the upload's key (a version
     * only this variant's uploads write) is then that assembly, and the check below tells whether it
     * is the declared one; no object, and the client's list was wrong after all.
     */
    private Uni<Void> assembledBefore(MultipartUpload row, Throwable failure) {
        return providers.get(row.provider).stat(row.key())
                .chain(found -> found.isPresent() ? Uni.createFrom().voidItem() : Uni.createFrom().failure(failure));
    }

    /**
     * The store failed to assemble the parts: when the upload was ended meanwhile (a DELETE of the
     * artifact or a new ticket aborted it under the store's feet), that is the client's 409, not our
     * failure; when a parallel complete of it got through, nothing failed. Else the failure stands
     * (and a database that fails the look-up answers for itself: 503).
     */
    private Uni<Void> endedMeanwhile(MultipartUpload started, Throwable failure) {
        return records.alone(changes -> changes.multiparts().find(started.tenantId, started.artifactId, started.id)
                        .chain(row -> row == null ? Uni.createFrom().<Variant>nullItem()
                                : changes.variants().find(started.tenantId, started.artifactId, started.variant)))
                .chain(current -> {
                    if (started.completedFor(current)) {
                        return Uni.createFrom().voidItem();
                    }
                    if (current == null || !started.usableFor(current)) {
                        return Uni.createFrom().failure(DomainFailure.conflict("The multipart upload was aborted while it was"
                                + " being completed: the artifact was deleted or the variant got a new ticket"));
                    }
                    return takenByParallelComplete(failure) ? assembledBefore(started, failure).onFailure()
                            .transform(notYet -> DomainFailure.conflict("Another complete of this multipart upload is running;"
                                    + " complete again to get its outcome")) : Uni.createFrom().failure(failure);
                });
    }

    /**
     * A store that lost the upload or refused its assembly while the variant still waits for it: a
     * parallel complete of the same upload took it (S3 ends an upload with its first complete). That
     * complete's object, once there, passes the checks like this one's; until then, the caller's 409.
     */
    private static boolean takenByParallelComplete(Throwable failure) {
        return StoreFailure.is(failure, StoreFailure.Kind.NOT_FOUND) || StoreFailure.is(failure, StoreFailure.Kind.REFUSED);
    }

    /** The sha256 declared for the version the upload writes (the variant's or its replacement's), if any. */
    private static String declaredSha256(Variant current, MultipartUpload row) {
        return row.storageKey.equals(current.replacementKey) ? current.replacementSha256 : current.sha256;
    }

    /** Aborts a usable upload; its parts are removed. */
    public Uni<Void> abort(Caller caller, String artifactId, String uploadId) {
        return usable(caller.tenantId(), artifactId, uploadId).chain(row -> leftovers.abort(row, AuditEvent.succeeded(caller,
                AuditAction.MULTIPART_ABORT, artifactId, row.variant, ServiceClock.now(clock)).withDetail("upload " + row.id)));
    }

    /** The tenant's upload, while it can still write its variant; otherwise 404, as if it never was. */
    private Uni<MultipartUpload> usable(String tenantId, String artifactId, String uploadId) {
        return withVariant(tenantId, artifactId, uploadId).map(found -> {
            if (!found.row().usableFor(found.variant())) {
                throw noSuchUpload();
            }
            return found.row();
        });
    }

    /** The tenant's upload, which clients know of, and its variant as it is now (null when gone); else 404. */
    private Uni<Found> withVariant(String tenantId, String artifactId, String uploadId) {
        return records.alone(changes -> changes.multiparts().find(tenantId, artifactId, uploadId)
                .chain(row -> row == null || !row.started() ? Uni.createFrom().<Found>nullItem()
                        : changes.variants().find(tenantId, artifactId, row.variant).map(current -> new Found(row, current))))
                .onItem().ifNull().failWith(MultipartUploadService::noSuchUpload);
    }

    private record Found(MultipartUpload row, Variant variant) {
    }

    private MultipartUploads multipartOf(String provider) {
        return providers.get(provider).ability(MultipartUploads.class).orElseThrow(() -> DomainFailure.conflict(
                "The variant's provider " + provider + " cannot upload in parts: use the single PUT of its ticket"));
    }

    private static DomainFailure noSuchVariant() {
        return DomainFailure.notFound("No such artifact variant");
    }

    private static DomainFailure noSuchUpload() {
        return DomainFailure.notFound("No such multipart upload: it was completed, aborted or replaced, or never was");
    }

}
