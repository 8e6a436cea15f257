package io.artifactstore.artifact;

import io.artifactstore.records.Artifact;
import io.artifactstore.records.ArtifactFilter;
import io.artifactstore.records.ArtifactRepository;
import io.artifactstore.records.ArtifactStatements;
import io.artifactstore.records.Status;
import io.artifactstore.records.Tombstone;
import io.artifactstore.records.Variant;
import io.artifactstore.records.VariantRepository;
import io.artifactstore.api.Cursor;
import io.artifactstore.api.ServiceException;
import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.Checksums;
import io.artifactstore.core.MediaTypes;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.DownloadTarget;
import io.artifactstore.provider.ObjectInfo;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.provider.UploadTarget;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.routing.Router;
import io.artifactstore.routing.RoutingDecision;
import io.artifactstore.routing.UploadFacts;
import io.artifactstore.routing.UploadTargets;
import io.artifactstore.security.Caller;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The artifact lifecycle: issue an upload ticket, verify the stored bytes on complete, hand out
 * download URLs, delete. Records change only here; bytes are the providers' business.
 */
@ApplicationScoped
public class ArtifactService {

    private static final Logger LOG = Logger.getLogger(ArtifactService.class);
    /** The listing its cursors are signed for (api.Cursor). */
    private static final String LISTING = "artifacts";

    @Inject
    ArtifactRepository artifacts;

    @Inject
    VariantRepository variants;

    @Inject
    ArtifactStatements statements;

    @Inject
    ContentCheck contentCheck;

    @Inject
    UploadPolicy policy;

    @Inject
    Router router;

    @Inject
    ProviderRegistry providers;

    @Inject
    UploadTargets availability;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    UploadCounters uploads;

    @Inject
    Clock clock;

    @Inject
    LeftoverMultiparts leftovers;

    @Inject
    Quotas quotas;

    @Inject
    AuditTrail audit;

    @Inject
    Cursor cursors;

    /** Records a new artifact (or a new variant of one) as pending and signs its upload. */
    public Uni<CreatedArtifact> create(Caller caller, UploadRequest request) {
        try {
            return ticket(caller, request);
        } catch (RuntimeException e) { // a refused request fails the Uni like any other failure, never the caller
            return Uni.createFrom().failure(e);
        }
    }

    private Uni<CreatedArtifact> ticket(Caller caller, UploadRequest request) {
        String tenantId = caller.tenantId();
        ArtifactType type = policy.check(request.type(), request.variantOrDefault(), request.contentType(), request.size());
        Instant now = now();
        if (request.artifactId() == null) {
            if (!request.variantOrDefault().equals(UploadRequest.DEFAULT_VARIANT)) {
                // An artifact starts with its original; a thumbnail alone would be a headless artifact.
                throw ServiceException.invalidField("artifactId", "is required to add a variant other than "
                        + UploadRequest.DEFAULT_VARIANT + " (create the artifact with its original first)");
            }
            // The hot path: both rows in one statement, nothing to look up, nothing to list but this variant.
            // Signed first, so a record is only written when its ticket can be handed out.
            Artifact artifact = newArtifact(tenantId, type, request, now);
            Variant variant = routedVariant(artifact, request, now);
            AuditEvent created = AuditEvent.succeeded(caller, AuditAction.CREATE, artifact.id, variant.name, now);
            return quotas.admitArtifact(variant, client -> presignUpload(variant, request)
                            .call(() -> statements.insert(client, artifact, variant, created)))
                    .map(ticket -> new CreatedArtifact(ArtifactView.of(artifact, List.of(variant)), ticket));
        }
        // The artifact's row lock orders this against a concurrent delete, complete or create of the same variant.
        return Panache.withTransaction(() -> lockedArtifact(tenantId, request.artifactId())
                .invoke(artifact -> checkBelongs(artifact, type, request))
                .chain(artifact -> {
                    Variant wanted = routedVariant(artifact, request, now);
                    if (artifact.status == Status.EXPIRED) {
                        artifact.status = Status.PENDING; // a new ticket revives an artifact whose uploads all expired
                        artifact.updatedAt = now;
                    }
                    return quotas.admitVariant(wanted).chain(() -> presignUpload(wanted, request))
                            .call(() -> ticketVariant(wanted, request.wantsReplace(), now)
                                    .call(ticketed -> audit.record(AuditEvent.succeeded(caller,
                                            ticketed.hasReplacement() ? AuditAction.REPLACE : AuditAction.CREATE,
                                            artifact.id, ticketed.name, now))))
                            .chain(ticket -> variants.ofArtifact(tenantId, artifact.id)
                                    .map(all -> new CreatedArtifact(ArtifactView.of(artifact, all), ticket)));
                }))
                .call(() -> leftovers.abortUnusable(tenantId, request.artifactId())); // a re-ticket ends earlier multiparts
    }

    /**
     * Signs the upload of the variant's new version and records until when that URL can write. A
     * client that uploads in parts gets no single-PUT ticket (null); one is never signed for a size
     * its store would refuse in one PUT (413, pointing to multipart).
     */
    private Uni<SignedRequest> presignUpload(Variant pending, UploadRequest request) {
        StorageProvider provider = providers.get(pending.provider);
        if (request.wantsMultipart()) {
            if (pending.size == 0) {
                throw ServiceException.invalidField("multipart", "an empty object has no parts: leave multipart out");
            }
            pending.uploadExpiresAt = now().plus(config.signing().uploadTtl()); // the time to start the multipart upload
            return Uni.createFrom().nullItem();
        }
        if (pending.size > provider.maxSinglePutSize()) {
            throw ServiceException.tooLarge("Provider " + provider.name() + " takes at most " + provider.maxSinglePutSize()
                    + " bytes in one PUT; declared " + pending.size + ". Upload it in parts: create it with \"multipart\": true,"
                    + " then POST /api/v1/artifacts/{id}/multipart");
        }
        return provider.presignUpload(new UploadTarget(pending.key(), pending.contentType,
                        pending.size, pending.sha256, config.signing().uploadTtl()))
                .invoke(ticket -> pending.uploadExpiresAt = ticket.expiresAt());
    }

    /** A pending variant on the provider the routing rules pick for it, or the first usable fallback. */
    private Variant routedVariant(Artifact artifact, UploadRequest request, Instant now) {
        RoutingDecision route = router.route(new UploadFacts(artifact.tenantId, artifact.type, artifact.boardId,
                request.contentType(), request.size(), artifact.metadata));
        return newVariant(artifact, request, providers.get(availability.choose(route)).name(), now);
    }

    /**
     * Checks the stored object against what was declared and marks the variant available. A missing
     * object is a 409; a wrong size or digest is a 422 and the bad object is deleted. The object is
     * checked outside any transaction; the variant then turns available only if it still names the
     * version that was checked (no new ticket, no delete in between).
     */
    public Uni<ArtifactView> complete(Caller caller, String artifactId, String variantName) {
        return complete(caller, artifactId, variantName, null);
    }

    /** The same, for bytes that arrived by {@code how} (null: the ticket's PUT), which the audit event tells. */
    Uni<ArtifactView> complete(Caller caller, String artifactId, String variantName, String how) {
        String tenantId = caller.tenantId();
        return Panache.withSession(() -> variants.findOwned(tenantId, artifactId, variantName))
                .onItem().ifNull().failWith(ArtifactService::noSuchVariant)
                .invoke(ArtifactService::checkNotExpired)
                .chain(variant -> variant.status == Status.AVAILABLE
                        ? (variant.hasReplacement() ? completeReplacement(caller, variant.replacement(), how) : get(tenantId, artifactId))
                        : verifyStoredObject(variant)
                        .onItemOrFailure().invoke((sha256, failure) -> countUpload(variant, failure))
                        .onFailure(ArtifactService::isRejection).call(failure -> auditRejection(caller, variant, failure))
                        .chain(sha256 -> Panache.withTransaction(() -> lockedArtifact(tenantId, artifactId)
                                .chain(artifact -> markAvailable(variant, sha256,
                                        AuditEvent.succeeded(caller, AuditAction.COMPLETE, artifactId, variantName, now()).withDetail(how)))))
                        .chain(() -> get(tenantId, artifactId)));
    }

    /** A 422: the uploaded bytes failed verification and were deleted. */
    static boolean isRejection(Throwable failure) {
        return failure instanceof ServiceException e && e.status() == 422;
    }

    /**
     * Records, on its own (no record changed), that the bytes uploaded for {@code variant} were rejected
     * and deleted. Never fails: the caller's answer is the 422, whether or not the event could be written.
     */
    Uni<Void> auditRejection(Caller caller, Variant variant, Throwable failure) {
        return audit.recordAlone(AuditEvent.rejected(caller, AuditAction.COMPLETE, variant.artifactId, variant.name, now(),
                        failure.getMessage()))
                .onFailure().invoke(lost -> LOG.warnf("Audit event of a rejected upload of %s/%s not written: %s",
                        variant.artifactId, variant.name, lost.getClass().getName()))
                .onFailure().recoverWithNull();
    }

    /** An EXPIRED variant's ticket can no longer be completed: 409, a new ticket starts over. */
    private static void checkNotExpired(Variant variant) {
        if (variant.status == Status.EXPIRED) {
            throw ServiceException.conflict("The upload ticket of variant " + variant.name + " expired before it was"
                    + " completed; request a new ticket (POST /api/v1/artifacts with this artifactId) and upload again");
        }
    }

    /**
     * Verifies the bytes of a pending replacement like any upload; then, under the artifact's lock,
     * the variant moves to them if this is still its replacement, and the version it leaves gets a
     * tombstone and is deleted at once. Until then downloads keep serving the verified version; a
     * failed check keeps it.
     */
    private Uni<ArtifactView> completeReplacement(Caller caller, Variant replacement, String how) {
        return verifyStoredObject(replacement)
                .onItemOrFailure().invoke((sha256, failure) -> countUpload(replacement, failure))
                .onFailure(ArtifactService::isRejection).call(failure -> auditRejection(caller, replacement, failure))
                .chain(sha256 -> Panache.withTransaction(() -> lockedArtifact(replacement.tenantId, replacement.artifactId)
                        .chain(artifact -> swapInReplacement(replacement, replacement.provider, replacement.storageKey, sha256,
                                AuditEvent.succeeded(caller, AuditAction.COMPLETE, replacement.artifactId, replacement.name, now())
                                        .withDetail((how == null ? "" : how + ", ") + "replacement: the earlier version is deleted")))))
                .call(this::deleteReplaced)
                .chain(() -> get(replacement.tenantId, replacement.artifactId));
    }

    /**
     * Deletes, right after the swap committed, the versions it released: old download URLs of the
     * replaced bytes answer 404 from then on (README, "Replacing a variant and expiry"). Their
     * tombstones stay until no upload URL of theirs can write, as after a DELETE; what cannot be
     * deleted now is left to the sweeper.
     */
    Uni<Void> deleteReplaced(List<Variant> released) {
        Instant now = now();
        return released.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(released.stream().map(v -> deleteObject(v, now)).toList()).andCollectFailures().replaceWithVoid();
    }

    /**
     * Under the artifact's lock: the variant moves to the verified bytes of its replacement (stored on
     * {@code provider} at {@code storageKey}: the ticket's key, or the version a streamed upload wrote)
     * if {@code replacement} is still the variant's pending replacement. The verified version it
     * leaves, and a ticket key it does not use, get tombstones. A concurrent delete, new ticket or
     * completion wins cleanly: 404 or 409, or the same outcome when the same upload completed first.
     * {@code completed} is recorded when this call makes the swap. Answers the versions it released,
     * for {@link #deleteReplaced} once the transaction has committed.
     */
    Uni<List<Variant>> swapInReplacement(Variant replacement, String provider, String storageKey, String sha256, AuditEvent completed) {
        Instant now = now();
        return variants.findOwned(replacement.tenantId, replacement.artifactId, replacement.name).chain(current -> {
            if (current == null) {
                return Uni.createFrom().failure(noSuchVariant());
            }
            if (!current.hasReplacement() && current.status == Status.AVAILABLE && current.storageKey.equals(storageKey)) {
                return Uni.createFrom().item(List.<Variant>of()); // a concurrent complete of the same upload got there first
            }
            if (current.status != Status.AVAILABLE || !replacement.storageKey.equals(current.replacementKey)) {
                return Uni.createFrom().failure(ServiceException.conflict("The variant got a new upload ticket while this"
                        + " replacement was being checked; upload with the new ticket and complete again"));
            }
            List<Variant> released = storageKey.equals(current.replacementKey)
                    ? List.of(copyOf(current)) : List.of(copyOf(current), current.replacement());
            Uni<Void> buried = bury(released, now);
            current.swapInReplacement(provider, storageKey, sha256, now);
            return buried.chain(() -> artifacts.markAvailable(current.tenantId, current.artifactId, now))
                    .chain(() -> audit.record(completed))
                    .replaceWith(released);
        });
    }

    /** A detached copy of the version a variant names now (for its tombstone). */
    private static Variant copyOf(Variant v) {
        Variant copy = new Variant();
        copy.artifactId = v.artifactId;
        copy.name = v.name;
        copy.provider = v.provider;
        copy.storageKey = v.storageKey;
        copy.uploadExpiresAt = v.uploadExpiresAt;
        return copy;
    }

    /**
     * Under the artifact's lock: the checked version becomes available, unless it is no longer the
     * variant's; {@code completed} is recorded when this call makes it available.
     */
    private Uni<Void> markAvailable(Variant checked, String sha256, AuditEvent completed) {
        Instant now = now();
        Variant.Key key = new Variant.Key(checked.tenantId, checked.artifactId, checked.name);
        return variants.markAvailable(key, checked.storageKey, sha256, now).chain(updated -> {
            if (updated == 1) {
                return artifacts.markAvailable(checked.tenantId, checked.artifactId, now).chain(() -> audit.record(completed));
            }
            return variants.findOwned(key.tenantId, key.artifactId, key.name).invoke(current -> {
                if (current == null) {
                    throw noSuchVariant();
                }
                if (current.status != Status.AVAILABLE || !current.storageKey.equals(checked.storageKey)) {
                    throw ServiceException.conflict("The variant got a new upload ticket while this upload was being"
                            + " checked; upload with the new ticket and complete again");
                }
                // else a concurrent complete of the same upload got there first: the same outcome
            }).replaceWithVoid();
        });
    }

    public Uni<ArtifactView> get(String tenantId, String artifactId) {
        return Panache.withSession(() -> artifacts.findOwned(tenantId, artifactId)
                .onItem().ifNull().failWith(ArtifactService::noSuchArtifact)
                .chain(artifact -> variants.ofArtifact(tenantId, artifact.id)
                        .map(all -> ArtifactView.of(artifact, all))));
    }

    /** Newest first, {@code limit} at a time; the cursor of one page leads to the next. */
    public Uni<ArtifactPage> list(String tenantId, ArtifactFilter filter, int limit, String cursor) {
        String afterId;
        try {
            afterId = cursors.lastId(LISTING, tenantId, cursor);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return Panache.withSession(() -> artifacts.page(tenantId, filter, afterId, limit + 1)
                .chain(found -> {
                    Cursor.Page<Artifact> page = cursors.page(LISTING, tenantId, found, limit, a -> a.id);
                    return variants.ofArtifacts(tenantId, page.items().stream().map(a -> a.id).toList())
                            .map(all -> {
                                Map<String, List<Variant>> byArtifact = all.stream()
                                        .collect(Collectors.groupingBy(v -> v.artifactId));
                                return new ArtifactPage(page.items().stream()
                                        .map(a -> ArtifactView.of(a, byArtifact.getOrDefault(a.id, List.of())))
                                        .toList(), page.nextCursor());
                            });
                }));
    }

    /** A signed GET of an available variant; 409 while its bytes are not verified yet. */
    public Uni<SignedRequest> downloadUrl(String tenantId, String artifactId, String variantName,
                                          Duration expiresIn, String disposition) {
        Duration ttl = expiresIn == null ? config.signing().downloadTtl() : expiresIn;
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(config.signing().maxTtl()) > 0) {
            return Uni.createFrom().failure(ServiceException.invalidField("expiresIn",
                    "must be between 1 and " + config.signing().maxTtl().toSeconds() + " seconds"));
        }
        // One statement: a variant row exists only under its tenant's artifact, which names the file.
        return statements.findStored(tenantId, artifactId, variantName)
                .onItem().ifNull().failWith(ArtifactService::noSuchVariant)
                .chain(stored -> {
                    if (stored.status() != Status.AVAILABLE) {
                        throw ServiceException.conflict("The variant's upload has not been completed");
                    }
                    // Active content (HTML, SVG, XML ...) is never inline, whatever was asked: README "Serving downloads safely".
                    String chosen = MediaTypes.isSafeInline(stored.contentType()) ? disposition : "attachment";
                    String contentDisposition = chosen == null ? null : ContentDisposition.of(chosen, stored.filename());
                    return providers.get(stored.provider()).presignDownload(
                            new DownloadTarget(stored.key(), stored.contentType(), contentDisposition, ttl));
                });
    }

    /**
     * Removes the record and every variant's object. The record goes first, in one transaction with
     * a tombstone per object, under the artifact's row lock: no ticket can be issued for it after
     * that. Then the objects are deleted; what a provider cannot delete now, or what a URL handed out
     * earlier may still write, the {@link TombstoneSweeper} deletes later.
     */
    public Uni<Void> delete(Caller caller, String artifactId) {
        String tenantId = caller.tenantId();
        Instant now = now();
        return Panache.withTransaction(() -> lockedArtifact(tenantId, artifactId)
                        .chain(artifact -> variants.ofArtifact(tenantId, artifactId))
                        .call(all -> bury(withReplacements(all), now))
                        .call(() -> artifacts.deleteOwned(tenantId, artifactId))
                        .call(() -> audit.record(AuditEvent.succeeded(caller, AuditAction.DELETE, artifactId, null, now))))
                .map(ArtifactService::withReplacements)
                .chain(all -> all.isEmpty() ? Uni.createFrom().voidItem()
                        : Uni.join().all(all.stream().map(v -> deleteObject(v, now)).toList()).andCollectFailures()
                        .replaceWithVoid())
                .call(() -> leftovers.abortUnusable(tenantId, artifactId)); // its multipart uploads, best effort
    }

    /** Every version the variants name: each one's own and, where one is pending, its replacement's. */
    static List<Variant> withReplacements(List<Variant> variants) {
        return variants.stream().flatMap(v -> v.hasReplacement() ? Stream.of(v, v.replacement()) : Stream.of(v)).toList();
    }

    /** Records, in the caller's transaction, that no record names these versions' keys any more. */
    private Uni<Void> bury(List<Variant> released, Instant now) {
        Object[] tombstones = released.stream().map(v -> Tombstone.of(v, sweepAt(v, now))).toArray();
        return Panache.getSession().chain(session -> session.persistAll(tombstones));
    }

    /** When no URL handed out for the variant's version can write any more; never before now. */
    private Instant sweepAt(Variant variant, Instant now) {
        Instant lastWrite = variant.uploadExpiresAt.plus(config.lifecycle().pendingGrace());
        return lastWrite.isAfter(now) ? lastWrite : now;
    }

    /** Deletes a tombstoned object now; its tombstone stays while a URL may still write there, or on failure. */
    private Uni<Void> deleteObject(Variant variant, Instant now) {
        return providers.get(variant.provider).delete(variant.key())
                .chain(() -> statements.forgetTombstone(variant.provider, variant.storageKey, now))
                .onFailure().invoke(failure -> LOG.debugf("Object of %s/%s left to the sweeper: %s",
                        variant.artifactId, variant.name, failure.getClass().getName()))
                .onFailure().recoverWithNull();
    }

    /** The tenant's artifact, locked for the rest of the transaction; every change to an artifact takes this lock first. */
    private Uni<Artifact> lockedArtifact(String tenantId, String artifactId) {
        return artifacts.findOwnedForUpdate(tenantId, artifactId)
                .onItem().ifNull().failWith(ArtifactService::noSuchArtifact);
    }

    private static Artifact newArtifact(String tenantId, ArtifactType type, UploadRequest request, Instant now) {
        Artifact artifact = new Artifact();
        artifact.id = Ulid.next();
        artifact.tenantId = tenantId;
        artifact.type = type;
        artifact.boardId = request.boardId();
        artifact.status = Status.PENDING;
        artifact.filename = request.filename();
        artifact.metadata = request.metadata() == null ? Map.of() : new HashMap<>(request.metadata());
        artifact.createdAt = now;
        artifact.updatedAt = now;
        return artifact;
    }

    private static void checkBelongs(Artifact artifact, ArtifactType type, UploadRequest request) {
        if (artifact.type != type) {
            throw ServiceException.conflict("Artifact " + artifact.id + " is of type " + artifact.type.wireName());
        }
        if (request.boardId() != null && !request.boardId().equals(artifact.boardId)) {
            throw ServiceException.conflict("Artifact " + artifact.id + " belongs to another board");
        }
    }

    private static Variant newVariant(Artifact artifact, UploadRequest request, String providerName, Instant now) {
        Variant variant = new Variant();
        variant.tenantId = artifact.tenantId;
        variant.artifactId = artifact.id;
        variant.name = request.variantOrDefault();
        variant.status = Status.PENDING;
        variant.provider = providerName;
        variant.storageKey = new StorageKey(artifact.tenantId, artifact.type, artifact.boardId, artifact.id, variant.name)
                .withVersion(Ulid.next()).toString();
        variant.contentType = request.contentType();
        variant.size = request.size();
        variant.sha256 = request.sha256Lowercase();
        variant.createdAt = now;
        return variant;
    }

    /**
     * Adds the variant to the locked artifact. A pending (or expired) one of the same name gets the
     * new ticket and its earlier version a tombstone, so the URL handed out before cannot write what
     * the record names. An available one is kept (409), unless {@code replace}: then the ticket is
     * recorded as its replacement (an earlier pending replacement gets a tombstone) and the verified
     * version stays until the replacement is verified.
     */
    private Uni<Variant> ticketVariant(Variant wanted, boolean replace, Instant now) {
        return variants.findOwned(wanted.tenantId, wanted.artifactId, wanted.name).chain(existing -> {
            if (existing == null) {
                return variants.persist(wanted);
            }
            if (existing.status == Status.AVAILABLE) {
                if (!replace) {
                    return Uni.createFrom().failure(ServiceException.conflict("Variant " + wanted.name
                            + " is already uploaded; ask for a ticket with \"replace\": true to replace its bytes"));
                }
                Uni<Void> buryEarlier = existing.hasReplacement()
                        ? bury(List.of(existing.replacement()), now) : Uni.createFrom().voidItem();
                existing.replaceWith(wanted);
                return buryEarlier.replaceWith(existing);
            }
            Uni<Void> buryEarlier = existing.status == Status.EXPIRED ? Uni.createFrom().voidItem() // the reaper buried it
                    : bury(List.of(existing), now); // its key, taken before the new ticket replaces it
            existing.status = Status.PENDING; // an EXPIRED or MISSING (reconciliation) variant awaits its bytes again
            existing.provider = wanted.provider;
            existing.storageKey = wanted.storageKey;
            existing.contentType = wanted.contentType;
            existing.size = wanted.size;
            existing.sha256 = wanted.sha256;
            existing.createdAt = wanted.createdAt;
            existing.uploadExpiresAt = wanted.uploadExpiresAt;
            return buryEarlier.replaceWith(existing);
        });
    }

    /** The stored object's sha256 when known, after checking size and declared digest. */
    private Uni<String> verifyStoredObject(Variant variant) {
        StorageProvider provider = providers.get(variant.provider);
        StorageKey key = variant.key();
        return provider.stat(key).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().failure(ServiceException.conflict("No object has been uploaded for this variant yet"));
            }
            ObjectInfo info = found.get();
            if (info.size() != variant.size) {
                return rejectObject(provider, key, "The stored object has " + info.size() + " bytes, " + variant.size + " were declared");
            }
            return contentCheck.mismatch(provider, key, variant.contentType, info.size())
                    .chain(why -> why != null ? rejectObject(provider, key, why) : verifyDigest(provider, key, variant, info));
        });
    }

    /** The stored object's sha256 when known, after checking it against the declared one, if any. */
    private Uni<String> verifyDigest(StorageProvider provider, StorageKey key, Variant variant, ObjectInfo info) {
        if (variant.sha256 == null) {
            return Uni.createFrom().item(info.sha256());
        }
        if (info.sha256() == null && info.size() > provider.digestReadLimit()) {
            LOG.infof("sha256 of %s/%s not read back: %d bytes exceed the provider's verify-max-size",
                    variant.artifactId, variant.name, info.size());
            return Uni.createFrom().nullItem(); // the declared sha256 stays on record
        }
        Uni<String> actual = info.sha256() != null ? Uni.createFrom().item(info.sha256()) : sha256Of(provider, key);
        return actual.chain(sha256 -> Objects.equals(sha256, variant.sha256)
                ? Uni.createFrom().item(sha256)
                : rejectObject(provider, key, "The stored object's sha256 differs from the declared one"));
    }

    private static Uni<String> rejectObject(StorageProvider provider, StorageKey key, String why) {
        return provider.delete(key).chain(() -> Uni.createFrom().failure(ServiceException.unprocessable(why)));
    }

    /** Counts the verdict of each complete on a pending variant: completed, rejected (422) or missing (409). */
    private void countUpload(Variant variant, Throwable failure) {
        String outcome = failure == null ? UploadCounters.COMPLETED
                : isRejection(failure) ? UploadCounters.REJECTED
                : failure instanceof ServiceException e && e.status() == 409 ? UploadCounters.MISSING : UploadCounters.ERROR;
        uploads.count(variant.key().type(), variant.provider, outcome);
    }

    /** Reads the object back through a streaming digest: the provider keeps no checksum of it. */
    private static Uni<String> sha256Of(StorageProvider provider, StorageKey key) {
        return Checksums.sha256Hex(provider.read(key));
    }

    private static ServiceException noSuchArtifact() {
        return ServiceException.notFound("No such artifact");
    }

    private static ServiceException noSuchVariant() {
        return ServiceException.notFound("No such artifact variant");
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
