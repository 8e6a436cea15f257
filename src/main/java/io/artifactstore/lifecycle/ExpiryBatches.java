package io.artifactstore.lifecycle;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.records.Artifact;
import io.artifactstore.records.Changes;
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

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One batch of the expiry reaper, one transaction each (README "Replacing a variant and expiry"): claim artifacts with
 * something due under their row locks ({@code ExpiryRows}), load their variants, let {@link
 * VariantTransitions} decide, then write the outcome, the artifacts' status and the audit rows
 * together. Each answers the versions its batch released, whose tombstones it wrote.
 */
@ApplicationScoped
public class ExpiryBatches {

    @Inject
    Records records;

    @Inject
    VariantTransitions transitions;

    /**
     * Up to about {@code limit} pending variants whose ticket stopped writing at or before {@code
     * cutoff} turn EXPIRED; so does an artifact left without a live variant.
     */
    Uni<List<Released>> expireUploads(Instant cutoff, Instant now, int limit) {
        return records.inTransaction(changes -> changes.expiries().lockWithExpiredUploads(cutoff, limit)
                .chain(locked -> changes.variants().ofArtifacts(locked).chain(variants -> {
                    List<Transition> outcomes = each(variants, v -> transitions.expireUpload(v, cutoff, now));
                    return changes.applyAll(outcomes)
                            .chain(() -> changes.artifacts().updateStatuses(expiredArtifacts(locked, outcomes, now)))
                            .chain(() -> audit(changes, outcomes, now, "upload ticket expired before the upload was completed"))
                            .replaceWith(released(outcomes));
                })));
    }

    /** Up to about {@code limit} replacements whose ticket stopped writing at or before {@code cutoff} are dropped. */
    Uni<List<Released>> dropExpiredReplacements(Instant cutoff, Instant now, int limit) {
        return records.inTransaction(changes -> changes.expiries().lockWithExpiredReplacements(cutoff, limit)
                .chain(locked -> changes.variants().ofArtifacts(locked).chain(variants -> {
                    List<Transition> outcomes = each(variants, v -> transitions.expireReplacement(v, cutoff, now));
                    return changes.applyAll(outcomes)
                            .chain(() -> audit(changes, outcomes, now, "replacement ticket expired; the verified version stays"))
                            .replaceWith(released(outcomes));
                })));
    }

    /**
     * Up to {@code limit} intermediate artifacts created at or before {@code createdBefore} are
     * deleted as a DELETE does: records gone, every version they name released.
     */
    Uni<List<Released>> deleteIntermediates(Instant createdBefore, Instant now, int limit) {
        return records.inTransaction(changes -> changes.expiries().lockOldIntermediates(createdBefore, limit)
                .chain(locked -> changes.variants().ofArtifacts(locked).chain(variants -> {
                    List<Transition> outcomes = each(variants, v -> transitions.delete(v, now));
                    return changes.applyAll(outcomes)
                            .chain(() -> changes.artifacts().deleteAll(locked))
                            .chain(() -> changes.audit(locked.stream()
                                    .map(a -> AuditEvent.succeeded(Caller.system(a.tenantId, ExpiryReaper.SUBJECT), AuditAction.EXPIRE, a.id, null, now)
                                            .withDetail("intermediate artifact outlived artifact-store.lifecycle.intermediate-ttl: deleted"))
                                    .toList()))
                            .replaceWith(released(outcomes));
                })));
    }

    private static List<Transition> each(List<Variant> variants, Function<Variant, Transition> transition) {
        return variants.stream().map(transition).toList();
    }

    /**
     * The artifacts that never became available and are left without a live (pending or available)
     * variant by {@code outcomes}: they turn EXPIRED too.
     */
    private static List<Artifact> expiredArtifacts(List<Artifact> locked, List<Transition> outcomes, Instant now) {
        Set<String> live = outcomes.stream().map(Transition::next)
                .filter(v -> v.status == Status.PENDING || v.status == Status.AVAILABLE)
                .map(v -> v.artifactId).collect(Collectors.toSet());
        return locked.stream().filter(a -> a.status == Status.PENDING && !live.contains(a.id)).map(a -> {
            Artifact expired = new Artifact();
            expired.tenantId = a.tenantId;
            expired.id = a.id;
            expired.status = Status.EXPIRED;
            expired.updatedAt = now;
            return expired;
        }).toList();
    }

    private static Uni<Void> audit(Changes changes, List<Transition> outcomes, Instant now, String why) {
        return changes.audit(outcomes.stream().filter(Transition::changed).map(Transition::before)
                .map(v -> AuditEvent.succeeded(Caller.system(v.tenantId, ExpiryReaper.SUBJECT), AuditAction.EXPIRE, v.artifactId, v.name, now)
                        .withDetail(why))
                .toList());
    }

    private static List<Released> released(List<Transition> outcomes) {
        return outcomes.stream().flatMap(t -> t.released().stream()).toList();
    }
}
