package io.artifactstore.artifact;

import io.artifactstore.core.ServiceClock;
import io.artifactstore.quota.Quotas;
import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.provider.UploadTarget;
import io.artifactstore.records.Artifact;
import io.artifactstore.records.Changes;
import io.artifactstore.records.LockedArtifact;
import io.artifactstore.records.Records;
import io.artifactstore.records.Status;
import io.artifactstore.records.Transition;
import io.artifactstore.records.Variant;
import io.artifactstore.records.VariantTransitions;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.routing.Router;
import io.artifactstore.routing.RoutingDecision;
import io.artifactstore.routing.UploadFacts;
import io.artifactstore.routing.UploadTargets;
import io.artifactstore.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Issues upload tickets: a new artifact with its original, a new variant of an artifact, a new
 * ticket for a pending variant, the replacement of an available one. Each is routed to a provider
 * that can take it, admitted by the tenant's quota, signed, and only then recorded.
 */
@ApplicationScoped
public class Tickets {

    @Inject
    Records records;

    @Inject
    VariantTransitions transitions;

    @Inject
    UploadPolicy policy;

    @Inject
    Router router;

    @Inject
    UploadTargets targets;

    @Inject
    ProviderRegistry providers;

    @Inject
    Quotas quotas;

    @Inject
    LeftoverMultiparts leftovers;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Clock clock;

    /** Records a new artifact (or a new variant of one) as pending and signs its upload. */
    public Uni<CreatedArtifact> create(Caller caller, UploadRequest request) {
        try {
            return ticket(caller, request);
        } catch (RuntimeException e) { // a refused request fails the Uni like any other failure, never the caller
            return Uni.createFrom().failure(e);
        }
    }

    private Uni<CreatedArtifact> ticket(Caller caller, UploadRequest request) {
        ArtifactType type = policy.check(request.type(), request.variantOrDefault(), request.contentType(), request.size());
        Instant now = ServiceClock.now(clock);
        if (request.artifactId() == null) {
            return newArtifact(caller, type, request, now);
        }
        // The artifact's row lock orders this against a concurrent delete, complete or create of the same variant.
        return records.inTransaction(changes -> LockedArtifact.lock(changes, caller.tenantId(), request.artifactId())
                        .chain(locked -> ticketVariant(changes, caller, locked, type, request, now)))
                .call(() -> leftovers.abortUnusable(caller.tenantId(), request.artifactId())); // a re-ticket ends earlier multiparts
    }

    /**
     * The hot path: both rows and the audit event in one statement, nothing to look up, nothing to
     * list but this variant. Signed first, so a record is only written when its ticket can be handed out.
     */
    private Uni<CreatedArtifact> newArtifact(Caller caller, ArtifactType type, UploadRequest request, Instant now) {
        if (!request.variantOrDefault().equals(UploadRequest.DEFAULT_VARIANT)) {
            // An artifact starts with its original; a thumbnail alone would be a headless artifact.
            throw DomainFailure.invalidField("artifactId", "is required to add a variant other than "
                    + UploadRequest.DEFAULT_VARIANT + " (create the artifact with its original first)");
        }
        Artifact artifact = newArtifact(caller.tenantId(), type, request, now);
        Variant variant = transitions.ticket(null, routedVariant(artifact, request, now), false, now).next();
        AuditEvent created = AuditEvent.succeeded(caller, AuditAction.CREATE, artifact.id, variant.name, now);
        return quotas.admitNew(variant, changes -> presignUpload(variant, request)
                        .call(() -> changes.artifacts().insertWithVariant(artifact, variant, created)))
                .map(ticket -> new CreatedArtifact(ArtifactView.of(artifact, List.of(variant)), ticket));
    }

    /**
     * Adds the variant to the locked artifact (see {@link VariantTransitions#ticket}): a pending,
     * expired or missing one of the same name gets the new ticket, an available one keeps its bytes
     * unless the ticket replaces them. A ticket revives an artifact whose uploads all expired.
     */
    private Uni<CreatedArtifact> ticketVariant(Changes changes, Caller caller, LockedArtifact locked, ArtifactType type,
                                               UploadRequest request, Instant now) {
        Artifact artifact = locked.artifact();
        checkBelongs(artifact, type, request);
        Variant wanted = routedVariant(artifact, request, now);
        return quotas.admit(changes, wanted).chain(() -> presignUpload(wanted, request)).chain(ticket -> {
            Transition transition = transitions.ticket(locked.variant(wanted.name), wanted, request.wantsReplace(), now);
            AuditAction action = transition.next().hasReplacement() ? AuditAction.REPLACE : AuditAction.CREATE;
            boolean revives = artifact.status == Status.EXPIRED;
            if (revives) {
                artifact.status = Status.PENDING;
                artifact.updatedAt = now;
            }
            return changes.apply(transition)
                    .chain(() -> revives ? changes.artifacts().updateStatus(artifact) : Uni.createFrom().voidItem())
                    .chain(() -> changes.audit(AuditEvent.succeeded(caller, action, artifact.id, wanted.name, now)))
                    .map(ignored -> new CreatedArtifact(ArtifactView.of(artifact, locked.after(transition)), ticket));
        });
    }

    /**
     * Signs the upload of the variant's new version and records until when that URL can write. A
     * client that uploads in parts gets no single-PUT ticket (null); one is never signed for a size
     * its store would refuse in one PUT (TOO_LARGE, pointing to multipart).
     */
    private Uni<SignedRequest> presignUpload(Variant pending, UploadRequest request) {
        StorageProvider provider = providers.get(pending.provider);
        if (request.wantsMultipart()) {
            if (pending.size == 0) {
                throw DomainFailure.invalidField("multipart", "an empty object has no parts: leave multipart out");
            }
            pending.uploadExpiresAt = ServiceClock.now(clock).plus(config.signing().uploadTtl()); // the time to start the multipart upload
            return Uni.createFrom().nullItem();
        }
        if (pending.size > provider.maxSinglePutSize()) {
            throw DomainFailure.tooLarge("Provider " + provider.name() + " takes at most " + provider.maxSinglePutSize()
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
        return newVariant(artifact, request, providers.get(targets.choose(route)).name(), now);
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
            throw DomainFailure.conflict("Artifact " + artifact.id + " is of type " + artifact.type.wireName());
        }
        if (request.boardId() != null && !request.boardId().equals(artifact.boardId)) {
            throw DomainFailure.conflict("Artifact " + artifact.id + " belongs to another board");
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

}
