package io.artifactstore.records;

import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

import java.util.ArrayList;
import java.util.List;

/**
 * The handle of one transaction on the artifact tables (or of single statements, see
 * {@link Records#alone}): the statements of each table, the audit row, and {@link #apply}, which
 * writes the outcome of a variant transition. Every caller that changes records holds one.
 */
public final class Changes {

    private final SqlClient client;
    private final boolean transaction;

    Changes(SqlClient client, boolean transaction) {
        this.client = client;
        this.transaction = transaction;
    }

    /**
     * A transition writes more than one statement ({@link #apply}), so it runs only in a transaction:
     * on the bare pool each statement would commit alone, a state without its tombstones.
     */
    private void requireTransaction() {
        if (!transaction) {
            throw new IllegalStateException("a change with its tombstones or audit row runs in Records.inTransaction");
        }
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

    public StoredKeys storedKeys() {
        return new StoredKeys(client);
    }

    public ExpiryRows expiries() {
        return new ExpiryRows(client);
    }

    /** The tenant's quota lock and usage, read in this transaction. */
    public QuotaRows quotas() {
        return new QuotaRows(client, transaction);
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
        requireTransaction();
        if (!transition.changed()) {
            return Uni.createFrom().voidItem();
        }
        VariantRows variants = variants();
        Uni<Void> state = transition.next() == null ? variants.delete(transition.before())
                : transition.before() == null ? variants.insert(transition.next())
                : variants.update(transition.next());
        return state.chain(() -> tombstones().bury(transition.released()));
    }

    /**
     * As {@link #apply}, for many transitions at once (a batch of the expiry reaper, a page of
     * reconciliation): one statement per kind of change, each run for all its variants in one round
     * trip, and one for the tombstones of every released version.
     */
    public Uni<Void> applyAll(List<Transition> transitions) {
        requireTransaction();
        List<Variant> gone = new ArrayList<>();
        List<Variant> created = new ArrayList<>();
        List<Variant> changed = new ArrayList<>();
        List<Released> released = new ArrayList<>();
        for (Transition transition : transitions) {
            if (!transition.changed()) {
                continue;
            }
            if (transition.next() == null) {
                gone.add(transition.before());
            } else if (transition.before() == null) {
                created.add(transition.next());
            } else {
                changed.add(transition.next());
            }
            released.addAll(transition.released());
        }
        VariantRows variants = variants();
        return variants.deleteAll(gone)
                .chain(() -> variants.insertAll(created))
                .chain(() -> variants.updateAll(changed))
                .chain(() -> tombstones().bury(released));
    }

    /** The client the statement classes of this package run on. */
    SqlClient client() {
        return client;
    }
}
