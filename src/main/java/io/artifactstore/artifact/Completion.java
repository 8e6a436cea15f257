package io.artifactstore.artifact;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.ServiceClock;
import io.artifactstore.records.Artifact;
import io.artifactstore.records.Changes;
import io.artifactstore.records.LockedArtifact;
import io.artifactstore.records.Records;
import io.artifactstore.records.Released;
import io.artifactstore.records.Status;
import io.artifactstore.records.Transition;
import io.artifactstore.records.Variant;
import io.artifactstore.records.VariantTransitions;
import io.artifactstore.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Completes an upload: the stored bytes are checked first, outside any transaction ({@link
 * UploadCheck}); then, under the artifact's lock, the variant moves to them only if it still names
 * the version that was checked (no new ticket, no delete in between), with the artifact AVAILABLE and
 * the audit event in the same transaction. {@code POST .../complete}, multipart completes and
 * streamed uploads ({@link StreamedUpload}) all swap their bytes in here.
 */
@ApplicationScoped
public class Completion {

    private static final Logger LOG = Logger.getLogger(Completion.class);

    @Inject
    Records records;

    @Inject
    AuditTrail audit;

    @Inject
    VariantTransitions transitions;

    @Inject
    UploadCheck check;

    @Inject
    UploadCounters uploads;

    @Inject
    ReleasedBytes releasedBytes;

    @Inject
    ArtifactQueries queries;

    @Inject
    Clock clock;

    /** A swap that committed: the artifact as it now is, and the versions it released. */
    record Swapped(ArtifactView view, List<Released> released) {
    }

    public Uni<ArtifactView> complete(Caller caller, String artifactId, String variantName) {
        return complete(caller, artifactId, variantName, null);
    }

    /**
     * Completes the upload of the variant's pending version, or of its pending replacement, whose
     * bytes arrived by {@code how} (null: the ticket's PUT), which the audit event tells. A variant
     * that already holds them answers as it is.
     */
    public Uni<ArtifactView> complete(Caller caller, String artifactId, String variantName, String how) {
        String tenantId = caller.tenantId();
        return records.alone(changes -> changes.variants().find(tenantId, artifactId, variantName))
                .invoke(VariantTransitions::checkCompletable)
                .chain(variant -> {
                    if (variant.status == Status.AVAILABLE) {
                        return variant.hasReplacement() ? completeReplacement(caller, variant.replacement(), how)
                                : queries.get(tenantId, artifactId);
                    }
                    return checked(caller, variant).chain(sha256 -> records.inTransaction(changes -> swapIn(changes, caller,
                                    variant, (current, now) -> transitions.complete(current, variant.storageKey, sha256, now), how)))
                            .map(Swapped::view);
                });
    }

    /**
     * The verified bytes of a pending replacement become the variant's version; the version it leaves
     * is deleted at once. Until then downloads keep serving the verified version; a failed check keeps it.
     */
    private Uni<ArtifactView> completeReplacement(Caller caller, Variant replacement, String how) {
        String detail = (how == null ? "" : how + ", ") + "replacement: the earlier version is deleted";
        return checked(caller, replacement)
                .chain(sha256 -> records.inTransaction(changes -> swapIn(changes, caller, replacement,
                        (current, now) -> transitions.completeReplacement(current, replacement.storageKey, replacement.provider,
                                replacement.storageKey, sha256, now), detail)))
                .call(swapped -> releasedBytes.deleteNow(swapped.released(), ServiceClock.now(clock)))
                .map(Swapped::view);
    }

    /** The verdict on the bytes of {@code pending}: counted, and a rejection audited. */
    private Uni<String> checked(Caller caller, Variant pending) {
        return check.verify(pending)
                .onItemOrFailure().invoke((sha256, failure) -> count(pending, failure))
                .onFailure(Completion::isRejection).call(failure -> auditRejection(caller, pending, failure));
    }

    /**
     * In {@code changes}' transaction, under the artifact's lock: writes what {@code decide} makes of
     * the variant {@code checked} names as it is now (and at what time). When that changes the
     * variant, the artifact is AVAILABLE and the completion is audited with {@code how}; when it does
     * not (the same upload completed first), nothing is written and the answer is the same.
     */
    Uni<Swapped> swapIn(Changes changes, Caller caller, Variant checked, BiFunction<Variant, Instant, Transition> decide, String how) {
        Instant now = ServiceClock.now(clock); // when the transaction runs: a stream may have taken minutes
        return LockedArtifact.lock(changes, checked.tenantId, checked.artifactId).chain(locked -> {
            Transition transition = decide.apply(locked.variant(checked.name), now);
            Artifact artifact = locked.artifact();
            if (!transition.changed()) {
                return Uni.createFrom().item(new Swapped(ArtifactView.of(artifact, locked.variants()), List.of()));
            }
            artifact.status = Status.AVAILABLE;
            artifact.updatedAt = now;
            return changes.apply(transition)
                    .chain(() -> changes.artifacts().updateStatus(artifact))
                    .chain(() -> changes.audit(AuditEvent.succeeded(caller, AuditAction.COMPLETE, checked.artifactId, checked.name, now)
                            .withDetail(how)))
                    .map(ignored -> new Swapped(ArtifactView.of(artifact, locked.after(transition)), transition.released()));
        });
    }

    /** The uploaded bytes failed their checks and were deleted. */
    static boolean isRejection(Throwable failure) {
        return DomainFailure.is(failure, DomainFailure.Kind.REJECTED_CONTENT);
    }

    /**
     * Records, on its own (no record changed), that the bytes uploaded for {@code variant} were rejected
     * and deleted. Never fails: the caller's answer is the rejection, whether or not the event could be written.
     */
    Uni<Void> auditRejection(Caller caller, Variant variant, Throwable failure) {
        AuditEvent rejected = AuditEvent.rejected(caller, AuditAction.COMPLETE, variant.artifactId, variant.name, ServiceClock.now(clock),
                failure.getMessage());
        return audit.recordAlone(rejected)
                .onFailure().invoke(lost -> LOG.warnf("Audit event of a rejected upload of %s/%s not written: %s",
                        variant.artifactId, variant.name, lost.getClass().getName()))
                .onFailure().recoverWithNull();
    }

    /** Counts the verdict of each complete on a pending version: completed, rejected or missing (nothing uploaded yet). */
    private void count(Variant pending, Throwable failure) {
        String outcome = failure == null ? UploadCounters.COMPLETED
                : isRejection(failure) ? UploadCounters.REJECTED
                : DomainFailure.is(failure, DomainFailure.Kind.NOT_UPLOADED) ? UploadCounters.MISSING : UploadCounters.ERROR;
        uploads.count(pending.key().type(), pending.provider, outcome);
    }

}
