package io.artifactstore.artifact;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.api.HangUps;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.ServiceClock;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.records.Artifact;
import io.artifactstore.records.Changes;
import io.artifactstore.records.MultipartUpload;
import io.artifactstore.records.Records;
import io.artifactstore.records.Status;
import io.artifactstore.records.Variant;
import io.artifactstore.records.VariantTransitions;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.routing.Router;
import io.artifactstore.routing.RoutingDecision;
import io.artifactstore.routing.UploadFacts;
import io.artifactstore.routing.UploadTargets;
import io.artifactstore.security.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * A worker's upload through the service ({@code PUT .../content}): the body streams to a provider
 * that can take it now, its sha256 computed on the way, and the pending variant turns available in
 * the same call. Every streamed upload writes a version of its own; the record moves to it only if
 * it still names the version the upload started from, like {@code complete}, so of two parallel
 * uploads of a variant exactly one wins and the record names the bytes it wrote. A loser's bytes,
 * and bytes that fail their check, are deleted.
 */
@ApplicationScoped
public class StreamedUpload {

    private static final Logger LOG = Logger.getLogger(StreamedUpload.class);

    @Inject
    Records records;

    @Inject
    VariantTransitions transitions;

    @Inject
    Completion completion;

    @Inject
    ReleasedBytes releasedBytes;

    @Inject
    Clock clock;

    @Inject
    ContentCheck contentCheck;

    @Inject
    ProviderRegistry providers;

    @Inject
    Router router;

    @Inject
    UploadTargets targets;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    UploadCounters uploads;

    @Inject
    StreamBuffers buffers;

    @Inject
    LeftoverMultiparts leftovers;

    /**
     * Streams {@code body}, announced as {@code contentLength} bytes (null: not announced), into the
     * pending variant. The body is not read before the variant, its length and a target are settled.
     */
    public Uni<ArtifactView> upload(Caller caller, String artifactId, String variantName, Long contentLength, Multi<ByteBuffer> body) {
        String tenantId = caller.tenantId();
        return records.alone(changes -> changes.artifacts().find(tenantId, artifactId).chain(artifact -> artifact == null
                        ? Uni.createFrom().<Pending>nullItem()
                        : changes.variants().find(tenantId, artifactId, variantName).map(v -> v == null ? null : Pending.of(artifact, v))))
                .onItem().ifNull().failWith(() -> DomainFailure.notFound("No such artifact variant"))
                .chain(pending -> {
                    Variant variant = pending.variant();
                    checkWritable(variant, contentLength);
                    // Decided before the first byte is read: a body that has started flowing cannot be sent elsewhere.
                    String target = targets.choose(variant.provider, () -> route(pending));
                    StorageKey written = variant.key().withVersion(Ulid.next());
                    MultipartUpload inParts = providers.get(target).writesInParts(variant.size) ? inParts(variant, target, written) : null;
                    // Before the first byte is read: a refused upload (503) has cost its headers and one lookup.
                    StreamBuffers.Reservation buffer = buffers.reserve(providers.get(target).writeBufferSize(variant.size));
                    return detached(recordInParts(inParts).chain(() -> write(variant, target, written, body))
                            .onTermination().invoke(buffer::release)
                            .onItemOrFailure().invoke((sha256, failure) -> count(variant, target, failure))
                            .onFailure(Completion::isRejection).call(failure -> completion.auditRejection(caller, variant, failure))
                            .chain(sha256 -> records.<Completion.Swapped>inTransaction(changes -> swapIn(changes, caller, pending, target, written, sha256)
                                            .call(() -> forgetInParts(changes, inParts))) // after the artifact's lock, as every change
                                    .onFailure().call(() -> discard(target, written)))
                            .onFailure().call(() -> abortInParts(inParts))
                            // A replaced version goes now, as on complete; the version a pending one leaves stays
                            // tombstoned until its ticket's URL can no longer write there.
                            .call(swapped -> pending.replacing() ? releasedBytes.deleteNow(swapped.released(), ServiceClock.now(clock))
                                    : Uni.createFrom().voidItem())
                            .map(Completion.Swapped::view));
                });
    }

    /**
     * Under the artifact's lock, like every change to it: the variant moves to the written version,
     * and to the provider that took it, if it still names the version the upload started from (or,
     * for a replacement, still awaits this replacement). The version it leaves is released.
     */
    private Uni<Completion.Swapped> swapIn(Changes changes, Caller caller, Pending pending, String target, StorageKey written,
                                          String sha256) {
        Variant started = pending.variant();
        if (pending.replacing()) {
            return completion.swapIn(changes, caller, started, (current, now) -> transitions.completeReplacement(current,
                    started.storageKey, target, written.toString(), sha256, now), "streamed replacement: the earlier version is deleted");
        }
        return completion.swapIn(changes, caller, started, (current, now) -> transitions.streamed(current, started.storageKey,
                target, written.toString(), sha256, now), "streamed");
    }

    /** Where the routing rules send the variant's bytes, asked only when its own provider cannot take them. */
    private RoutingDecision route(Pending pending) {
        Artifact artifact = pending.artifact();
        Variant variant = pending.variant();
        return router.route(new UploadFacts(artifact.tenantId, artifact.type, artifact.boardId,
                variant.contentType, variant.size, artifact.metadata));
    }

    /**
     * Runs the upload to its end even when the caller cancels: Quarkus REST cancels a request's Uni
     * when its client hangs up, which would stop the writer before it closes its file or aborts its
     * multipart upload. The body itself then fails, and the failure cleans up and is counted.
     */
    private static <T> Uni<T> detached(Uni<T> upload) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<T> outcome = new CompletableFuture<>();
            upload.subscribe().with(outcome::complete, outcome::completeExceptionally);
            return Uni.createFrom().completionStage(outcome);
        });
    }

    private static void checkWritable(Variant variant, Long contentLength) {
        if (variant.status == Status.AVAILABLE) {
            throw DomainFailure.conflict("Variant " + variant.name + " is already uploaded; ask for a ticket with"
                    + " \"replace\": true to replace its bytes");
        }
        if (variant.status == Status.EXPIRED) {
            throw DomainFailure.of(DomainFailure.Kind.EXPIRED, "The upload ticket of variant " + variant.name
                    + " expired; request a new ticket");
        }
        if (variant.status == Status.MISSING) { // refused before a byte is read, as complete refuses it before its check
            throw DomainFailure.conflict("The bytes of variant " + variant.name + " were found missing; request a new ticket"
                    + " (POST /api/v1/artifacts with this artifactId) and upload again");
        }
        if (contentLength == null) {
            throw DomainFailure.of(DomainFailure.Kind.LENGTH_REQUIRED, "A streamed upload must carry Content-Length: the declared size, "
                    + variant.size + " bytes");
        }
        if (contentLength > variant.size) {
            throw DomainFailure.tooLarge("The body has " + contentLength + " bytes, " + variant.size + " were declared");
        }
        if (contentLength < variant.size) {
            throw DomainFailure.invalid("The body has " + contentLength + " bytes, " + variant.size + " were declared");
        }
    }

    /** Writes the body and answers its sha256; a body that differs from the declared sha256 or type is deleted (REJECTED_CONTENT). */
    private Uni<String> write(Variant variant, String target, StorageKey key, Multi<ByteBuffer> body) {
        StorageProvider provider = providers.get(target);
        return provider.write(key, variant.contentType, variant.size, body) // the provider digests the bytes as it writes them
                .onFailure(StreamedUpload::badBody).transform(failure -> DomainFailure.invalid(failure.getMessage()))
                .chain(info -> {
                    String sha256 = info.sha256();
                    if (variant.sha256 != null && !variant.sha256.equals(sha256)) {
                        return discard(target, key).chain(() -> Uni.createFrom().failure(
                                DomainFailure.rejectedContent("The body's sha256 differs from the declared one")));
                    }
                    return contentCheck.mismatch(provider, key, variant.contentType, variant.size)
                            .chain(why -> why == null ? Uni.createFrom().item(sha256)
                                    : discard(target, key).chain(() -> Uni.createFrom().failure(DomainFailure.rejectedContent(why))));
                });
    }

    /** A body that ended short or overran: the client's fault, nothing stored. */
    private static boolean badBody(Throwable failure) {
        return StoreFailure.is(failure, StoreFailure.Kind.WRONG_LENGTH);
    }

    /**
     * The record of a write the provider makes in parts (a multipart upload on the store), taken
     * before the store starts it: when a crash cuts the write short, the expiry reaper aborts what the
     * store holds at its key once the row expired (README "Workers: streaming uploads").
     */
    private MultipartUpload inParts(Variant variant, String target, StorageKey written) {
        Instant now = ServiceClock.now(clock);
        MultipartUpload row = new MultipartUpload();
        row.id = Ulid.next();
        row.tenantId = variant.tenantId;
        row.artifactId = variant.artifactId;
        row.variant = variant.name;
        row.provider = target;
        row.storageKey = written.toString();
        row.streamed = true;
        row.providerUploadId = null; // the store has not answered it yet; the reaper aborts every upload at the key
        row.size = variant.size;
        row.partSize = variant.size;
        row.partCount = 1;
        row.createdAt = now;
        row.expiresAt = now.plus(config.signing().multipartTtl());
        return row;
    }

    private Uni<Void> recordInParts(MultipartUpload row) {
        return row == null ? Uni.createFrom().voidItem() : records.alone(changes -> changes.multiparts().insert(row));
    }

    /** In the transaction that records the written version: the store holds no upload at the key any more. */
    private static Uni<Void> forgetInParts(Changes changes, MultipartUpload row) {
        return row == null ? Uni.createFrom().voidItem() : changes.multiparts().delete(row.tenantId, row.id).replaceWithVoid();
    }

    /**
     * After a failed write: whatever the writer could not abort itself is aborted now, and the row goes
     * once the store holds nothing at the key; if the store cannot say so now, the reaper does it later.
     */
    private Uni<Void> abortInParts(MultipartUpload row) {
        return row == null ? Uni.createFrom().voidItem() : leftovers.abort(row, null)
                .onFailure().invoke(failure -> LOG.debugf("Streamed multipart upload %s left to the reaper: %s", row.id,
                        failure.getClass().getName()))
                .onFailure().recoverWithNull();
    }

    /** Best effort: bytes no record names; if the store is down now, they stay as an orphan for reconciliation. */
    private Uni<Void> discard(String provider, StorageKey key) {
        return providers.get(provider).delete(key)
                .onFailure().invoke(failure -> LOG.debugf("Unrecorded streamed object left on %s: %s", provider, failure.getClass().getName()))
                .onFailure().recoverWithNull();
    }

    /** The verdict of each upload that reached a provider, as complete counts its own; a body that stalled is refused. */
    private void count(Variant variant, String provider, Throwable failure) {
        String outcome = failure == null ? UploadCounters.COMPLETED
                : failure instanceof DomainFailure f && f.kind() != DomainFailure.Kind.UNAVAILABLE || HangUps.isClientGone(failure)
                        || StoreFailure.is(failure, StoreFailure.Kind.STALLED) ? UploadCounters.REJECTED
                : UploadCounters.ERROR;
        uploads.count(variant.key().type(), provider, outcome);
    }


    /** The variant to write: a pending one, or the pending replacement of an available one ({@code replacing}). */
    private record Pending(Artifact artifact, Variant variant, boolean replacing) {
        static Pending of(Artifact artifact, Variant found) {
            return found.status == Status.AVAILABLE && found.hasReplacement()
                    ? new Pending(artifact, found.replacement(), true) : new Pending(artifact, found, false);
        }
    }
}
