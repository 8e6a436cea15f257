package io.artifactstore.records;

import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

import java.util.List;

/**
 * The handle of one transaction on the artifact tables (or of single statements, see
 * {@link Records#alone}): the statements of each table, the audit row, and {@link #apply}, which
 * writes the outcome of a variant transition. Every caller that changes records holds one.
 */
public final class Changes {

    private final SqlClient client;

    Changes(SqlClient client) {
        this.client = client;
    }

    public ArtifactRows artifacts() {
        return new ArtifactRows(client);
    }

    public VariantRows variants() {
        return new VariantRows(client);
    }

    public TombstoneRows tombstones() {
        return new TombstoneRows(client);
    }

    public MultipartRows multiparts() {
        return new MultipartRows(client);
    }

    /** The tenant's quota lock and usage, read in this transaction. */
    public QuotaRows quotas() {
        return new QuotaRows(client);
    }

    /** Records the event in this transaction: it commits or rolls back with the change. */
    public Uni<Void> audit(AuditEvent event) {
        return AuditTrail.recordAll(client, List.of(event));
    }

    public Uni<Void> audit(List<AuditEvent> events) {
        return AuditTrail.recordAll(client, events);
    }

    /**
     * Writes what a transition decided: the variant's new state (inserted when it is new, deleted when
     * it is gone) and a tombstone for every version it released. An unchanged outcome writes nothing.
     */
    public Uni<Void> apply(Transition transition) {
        if (!transition.changed()) {
            return Uni.createFrom().voidItem();
        }
        VariantRows variants = variants();
        Uni<Void> state = transition.next() == null ? variants.delete(transition.before())
                : transition.before() == null ? variants.insert(transition.next())
                : variants.update(transition.next());
        return state.chain(() -> tombstones().bury(transition.released()));
    }

    /** The client the statement classes of this package run on. */
    SqlClient client() {
        return client;
    }
}
