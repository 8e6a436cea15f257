package io.artifactstore.artifact;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.core.ServiceClock;
import io.artifactstore.records.Changes;
import io.artifactstore.records.LockedArtifact;
import io.artifactstore.records.Records;
import io.artifactstore.records.Released;
import io.artifactstore.records.Transition;
import io.artifactstore.records.Variant;
import io.artifactstore.records.VariantTransitions;
import io.artifactstore.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Deletes an artifact: the record goes first, in one transaction with a tombstone for every version
 * its variants name, under the artifact's row lock, so no ticket can be issued for it after that.
 * Then the bytes are deleted ({@link ReleasedBytes}); what a provider cannot delete now, or what a
 * URL handed out earlier may still write, the {@link TombstoneSweeper} deletes later.
 */
@ApplicationScoped
public class Deletion {

    @Inject
    Records records;

    @Inject
    VariantTransitions transitions;

    @Inject
    ReleasedBytes releasedBytes;

    @Inject
    LeftoverMultiparts leftovers;

    @Inject
    Clock clock;

    public Uni<Void> delete(Caller caller, String artifactId) {
        String tenantId = caller.tenantId();
        Instant now = ServiceClock.now(clock);
        return records.inTransaction(changes -> LockedArtifact.lock(changes, tenantId, artifactId)
                        .chain(locked -> deleteAll(changes, locked.variants(), now)
                                .call(() -> changes.artifacts().delete(locked.artifact()))
                                .call(() -> changes.audit(AuditEvent.succeeded(caller, AuditAction.DELETE, artifactId, null, now)))))
                .chain(released -> releasedBytes.deleteNow(released, now))
                .call(() -> leftovers.abortUnusable(tenantId, artifactId)); // its multipart uploads, best effort
    }

    /** Every variant goes, in one batched statement per kind of change; answers the versions they released. */
    private Uni<List<Released>> deleteAll(Changes changes, List<Variant> variants, Instant now) {
        List<Transition> gone = variants.stream().map(variant -> transitions.delete(variant, now)).toList();
        return changes.applyAll(gone).replaceWith(gone.stream().flatMap(t -> t.released().stream()).toList());
    }
}
