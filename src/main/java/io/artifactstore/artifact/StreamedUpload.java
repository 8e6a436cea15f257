package io.artifactstore.artifact;

import io.artifactstore.records.Artifact;
import io.artifactstore.records.ArtifactRepository;
import io.artifactstore.records.MultipartUpload;
import io.artifactstore.records.MultipartUploadRepository;
import io.artifactstore.records.Status;
import io.artifactstore.records.Tombstone;
import io.artifactstore.records.Variant;
import io.artifactstore.records.VariantRepository;
import io.artifactstore.api.ServiceException;
import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.resilience.ProviderMonitor;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.routing.Router;
import io.artifactstore.routing.RoutingDecision;
import io.artifactstore.routing.UploadFacts;
import io.artifactstore.routing.UploadTargets;
import io.artifactstore.security.Caller;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
    AuditTrail audit;

    @Inject
    Clock clock;

    @Inject
    ArtifactRepository artifacts;

    @Inject
    ContentCheck contentCheck;

    @Inject
    VariantRepository variants;

    @Inject
    ArtifactService service;

    @Inject
    ProviderRegistry providers;

    @Inject
    ProviderMonitor monitor;

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
    MultipartUploadRepository multiparts;

    @Inject
    LeftoverMultiparts leftovers;

    /**
     * Streams {@code body}, announced as {@code contentLength} bytes (null: not announced), into the
     * pending variant. The body is not read before the variant, its length and a target are settled.
     */
    public Uni<ArtifactView> upload(Caller caller, String artifactId, String variantName, Long contentLength, Multi<ByteBuffer> body) {
        String tenantId = caller.tenantId();
        return Panache.withSession(() -> artifacts.findOwned(tenantId, artifactId).chain(artifact -> artifact == null
                        ? Uni.createFrom().<Pending>nullItem()
                        : variants.findOwned(tenantId, artifactId, variantName).map(v -> v == null ? null : new Pending(artifact, v))))
                .onItem().ifNull().failWith(() -> ServiceException.notFound("No such artifact variant"))
                .map(found -> found.variant().status == Status.AVAILABLE && found.variant().hasReplacement()
                        ? new Pending(found.artifact(), found.variant().replacement(), true) : found)
                .chain(pending -> {
                    checkWritable(pending.variant(), contentLength);
                    String target = target(pending);
                    StorageKey written = pending.variant().key().withVersion(Ulid.next());
                    MultipartUpload inParts = providers.get(target).writesInParts(pending.variant().size)
                            ? inParts(pending.variant(), target, written) : null;
                    // Before the first byte is read: a refused upload (503) has cost its headers and one lookup.
                    StreamBuffers.Reservation buffer = buffers.reserve(providers.get(target).writeBufferSize(pending.variant().size));
                    return detached(recordInParts(inParts).chain(() -> write(pending.variant(), target, written, body))
                            .onTermination().invoke(buffer::release)
                            .onItemOrFailure().invoke((sha256, failure) -> count(pending.variant(), target, failure))
                            .onFailure(ArtifactService::isRejection).call(failure -> service.auditRejection(caller, pending.variant(), failure))
                            .chain(sha256 -> Panache.withTransaction(() -> forgetInParts(inParts).chain(() -> pending.replacing()
                                            ? replace(pending.variant(), target, written, sha256,
                                                    completed(caller, pending.variant(), "streamed replacement: the earlier version is deleted"))
                                            : record(pending.variant(), target, written, sha256, completed(caller, pending.variant(), "streamed"))
                                                    .replaceWith(List.<Variant>of())))
                                    .onFailure().call(() -> discard(target, written)))
                            .onFailure().call(() -> abortInParts(inParts))
                            .call(service::deleteReplaced));
                })
                .chain(() -> service.get(tenantId, artifactId));
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
            throw ServiceException.conflict("Variant " + variant.name + " is already uploaded; ask for a ticket with"
                    + " \"replace\": true to replace its bytes");
        }
        if (variant.status == Status.EXPIRED) {
            throw ServiceException.conflict("The upload ticket of variant " + variant.name + " expired; request a new ticket");
        }
        if (contentLength == null) {
            throw new ServiceException(411, "Length Required", "A streamed upload must carry Content-Length: the declared size, "
                    + variant.size + " bytes");
        }
        if (contentLength > variant.size) {
            throw ServiceException.tooLarge("The body has " + contentLength + " bytes, " + variant.size + " were declared");
        }
        if (contentLength < variant.size) {
            throw ServiceException.badRequest("The body has " + contentLength + " bytes, " + variant.size + " were declared");
        }
    }

    /**
     * The provider that takes the bytes: the variant's own while it can take uploads, else the routed
     * one or the first of its fallbacks that can (counted as a fallback); 503 when none can. Decided
     * before the first byte is read, since a body that has started flowing cannot be sent elsewhere.
     */
    private String target(Pending pending) {
        Variant variant = pending.variant();
        if (monitor.canTakeUploads(variant.provider)) {
            return variant.provider;
        }
        Artifact artifact = pending.artifact();
        RoutingDecision route = router.route(new UploadFacts(artifact.tenantId, artifact.type, artifact.boardId,
                variant.contentType, variant.size, artifact.metadata));
        Set<String> candidates = new LinkedHashSet<>();
        candidates.add(route.provider());
        candidates.addAll(route.fallbacks());
        for (String candidate : candidates) {
            if (monitor.canTakeUploads(candidate)) {
                if (!candidate.equals(route.provider())) {
                    targets.countFallback(route.provider(), candidate);
                    LOG.debugf("Provider %s cannot take uploads; streaming to %s", route.provider(), candidate);
                }
                return candidate;
            }
        }
        throw ServiceException.unavailable("No storage provider can take this upload right now", monitor.retryAfter().toSeconds());
    }

    /** Writes the body and answers its sha256; a body that differs from the declared sha256 or type is deleted (422). */
    private Uni<String> write(Variant variant, String target, StorageKey key, Multi<ByteBuffer> body) {
        StorageProvider provider = providers.get(target);
        return provider.write(key, variant.contentType, variant.size, body) // the provider digests the bytes as it writes them
                .onFailure(StreamedUpload::badBody).transform(failure -> ServiceException.badRequest(failure.getMessage()))
                .chain(info -> {
                    String sha256 = info.sha256();
                    if (variant.sha256 != null && !variant.sha256.equals(sha256)) {
                        return discard(target, key).chain(() -> Uni.createFrom().failure(
                                ServiceException.unprocessable("The body's sha256 differs from the declared one")));
                    }
                    return contentCheck.mismatch(provider, key, variant.contentType, variant.size)
                            .chain(why -> why == null ? Uni.createFrom().item(sha256)
                                    : discard(target, key).chain(() -> Uni.createFrom().failure(ServiceException.unprocessable(why))));
                });
    }

    /** A body that ended short or overran: the client's fault, nothing stored. */
    private static boolean badBody(Throwable failure) {
        return StoreFailure.is(failure, StoreFailure.Kind.WRONG_LENGTH);
    }

    /**
     * Under the artifact's lock, like every change to it: the variant moves to the written version,
     * and to the provider that took it, if it still names the version the upload started from. The
     * version it leaves gets a tombstone, since a ticket handed out for it may still write there.
     */
    private Uni<Void> record(Variant started, String target, StorageKey written, String sha256, AuditEvent completed) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Variant.Key key = new Variant.Key(started.tenantId, started.artifactId, started.name);
        return artifacts.findOwnedForUpdate(started.tenantId, started.artifactId)
                .onItem().ifNull().failWith(() -> ServiceException.notFound("No such artifact"))
                .chain(artifact -> variants.markStreamed(key, started.storageKey, target, written.toString(), sha256, now))
                .chain(updated -> updated == 1
                        ? bury(started, now).chain(() -> artifacts.markAvailable(started.tenantId, started.artifactId, now))
                                .chain(() -> audit.record(completed))
                        : variants.findOwned(key.tenantId, key.artifactId, key.name).invoke(current -> {
                            if (current == null) {
                                throw ServiceException.notFound("No such artifact variant");
                            }
                            throw ServiceException.conflict(current.status == Status.AVAILABLE
                                    ? "Another upload of this variant completed first"
                                    : "The variant got a new upload ticket while this upload was streaming");
                        }).replaceWithVoid());
    }

    /** Under the artifact's lock, like {@link #record}: the verified replacement becomes the variant's version. */
    private Uni<List<Variant>> replace(Variant replacement, String target, StorageKey written, String sha256, AuditEvent completed) {
        return artifacts.findOwnedForUpdate(replacement.tenantId, replacement.artifactId)
                .onItem().ifNull().failWith(() -> ServiceException.notFound("No such artifact"))
                .chain(artifact -> service.swapInReplacement(replacement, target, written.toString(), sha256, completed));
    }

    /** The event of a completed upload, timed when its transaction runs (a stream may have taken minutes). */
    private AuditEvent completed(Caller caller, Variant variant, String how) {
        return AuditEvent.succeeded(caller, AuditAction.COMPLETE, variant.artifactId, variant.name,
                clock.instant().truncatedTo(ChronoUnit.MILLIS)).withDetail(how);
    }

    private Uni<Void> bury(Variant left, Instant now) {
        Instant lastWrite = left.uploadExpiresAt.plus(config.lifecycle().pendingGrace());
        Tombstone tombstone = Tombstone.of(left, lastWrite.isAfter(now) ? lastWrite : now);
        return Panache.getSession().chain(session -> session.persist(tombstone));
    }

    /**
     * The record of a write the provider makes in parts (a multipart upload on the store), taken
     * before the store starts it: when a crash cuts the write short, the expiry reaper aborts what the
     * store holds at its key once the row expired (README "Workers: streaming uploads").
     */
    private MultipartUpload inParts(Variant variant, String target, StorageKey written) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
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
        return row == null ? Uni.createFrom().voidItem() : Panache.withTransaction(() -> multiparts.persist(row)).replaceWithVoid();
    }

    /** In the transaction that records the written version: the store holds no upload at the key any more. */
    private Uni<Void> forgetInParts(MultipartUpload row) {
        return row == null ? Uni.createFrom().voidItem() : multiparts.deleteOwned(row.tenantId, row.id).replaceWithVoid();
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
                : failure instanceof ServiceException e && e.status() < 500 || clientLeft(failure)
                        || StoreFailure.is(failure, StoreFailure.Kind.STALLED) ? UploadCounters.REJECTED
                : UploadCounters.ERROR;
        uploads.count(variant.key().type(), provider, outcome);
    }

    /** A client that hung up midway: its upload is refused, not an error of ours. */
    private static boolean clientLeft(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.vertx.core.http.HttpClosedException) {
                return true;
            }
        }
        return false;
    }

    /** The variant to write: a pending one, or the pending replacement of an available one ({@code replacing}). */
    private record Pending(Artifact artifact, Variant variant, boolean replacing) {
        Pending(Artifact artifact, Variant variant) {
            this(artifact, variant, false);
        }
    }
}
