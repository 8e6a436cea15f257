package io.artifactstore.audit;

import io.artifactstore.core.Batches;
import io.artifactstore.security.Caller;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the audit trail in the transaction of each change (through the caller's Panache session,
 * or the connection of a hand-written transaction), pages through it for {@code GET /api/v1/audit},
 * and purges what is older than the retention.
 */
@ApplicationScoped
public class AuditTrail {

    private static final String INSERT_ALL = """
            INSERT INTO audit_events (tenant_id, id, at, subject, action, artifact_id, variant, outcome, detail)
            SELECT * FROM UNNEST($1::varchar[], $2::char(26)[], $3::timestamptz[], $4::varchar[], $5::varchar[],
                                 $6::varchar[], $7::varchar[], $8::varchar[], $9::varchar[])""";

    private static final String PAGE = """
            SELECT id, at, tenant_id, subject, action, artifact_id, variant, outcome, detail FROM audit_events
            WHERE tenant_id = $1 AND id < $2""";

    private static final String PURGE = """
            DELETE FROM audit_events WHERE ctid = ANY (ARRAY(
                SELECT ctid FROM audit_events WHERE at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))""";

    /** After every ULID: the start of a first page. */
    private static final String AFTER_ALL = "~";
    static final int PURGE_BATCH = 1000;
    static final int PURGE_MAX_BATCHES = 20;

    @Inject
    Pool database;

    /** Records the event in the caller's Panache transaction: it commits or rolls back with the change. */
    public Uni<Void> record(AuditEvent event) {
        String sql = AuditEvent.insert(1).replace('$', '?');
        return Panache.getSession().chain(session -> {
            var insert = session.createNativeQuery(sql);
            Tuple values = event.addTo(Tuple.tuple());
            for (int i = 0; i < values.size(); i++) {
                insert.setParameter(i + 1, values.getValue(i));
            }
            return insert.executeUpdate();
        }).replaceWithVoid();
    }

    /** Records the events through {@code client} (a transaction's connection, so they commit with its change), in one statement. */
    public Uni<Void> recordAll(SqlClient client, List<AuditEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = events.size();
        String[][] columns = new String[8][n];
        OffsetDateTime[] at = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            AuditEvent e = events.get(i);
            columns[0][i] = e.caller().tenantId();
            columns[1][i] = e.id();
            at[i] = e.at().atOffset(ZoneOffset.UTC);
            columns[2][i] = e.caller().subject();
            columns[3][i] = e.action().wireName();
            columns[4][i] = e.artifactId();
            columns[5][i] = e.variant();
            columns[6][i] = e.outcome().wireName();
            columns[7][i] = e.detail();
        }
        Tuple values = Tuple.of(columns[0], columns[1]).addArrayOfOffsetDateTime(at)
                .addArrayOfString(columns[2]).addArrayOfString(columns[3]).addArrayOfString(columns[4])
                .addArrayOfString(columns[5]).addArrayOfString(columns[6]).addArrayOfString(columns[7]);
        return client.preparedQuery(INSERT_ALL).execute(values).replaceWithVoid();
    }

    /** Records one event on its own: for a change that touched no record (a rejected upload's bytes were deleted). */
    public Uni<Void> recordAlone(AuditEvent event) {
        return recordAll(database, List.of(event));
    }

    /** Records the events on their own, in one statement: changes made in a store, not in a record (deleted orphans). */
    public Uni<Void> recordAlone(List<AuditEvent> events) {
        return recordAll(database, events);
    }

    /**
     * Up to {@code limit} of the tenant's events, newest first, after the event {@code afterId} (null:
     * from the newest), only of {@code artifactId} and {@code action} where given.
     */
    public Uni<List<AuditEvent>> page(String tenantId, String artifactId, AuditAction action, String afterId, int limit) {
        StringBuilder sql = new StringBuilder(PAGE);
        Tuple values = Tuple.of(tenantId, afterId == null ? AFTER_ALL : afterId);
        if (artifactId != null) {
            values.addString(artifactId);
            sql.append(" AND artifact_id = $").append(values.size());
        }
        if (action != null) {
            values.addString(action.wireName());
            sql.append(" AND action = $").append(values.size());
        }
        values.addInteger(limit);
        sql.append(" ORDER BY id DESC LIMIT $").append(values.size());
        return database.preparedQuery(sql.toString()).execute(values).map(rows -> {
            List<AuditEvent> events = new ArrayList<>();
            for (Row row : rows) {
                events.add(of(row));
            }
            return events;
        });
    }

    /** Deletes events from before {@code cutoff}, a bounded number of batches per call; answers how many went. */
    public Uni<Integer> purgeBefore(Instant cutoff) {
        return Batches.untilShort(() -> database.preparedQuery(PURGE).execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), PURGE_BATCH))
                .map(rows -> rows.rowCount()), PURGE_BATCH, PURGE_MAX_BATCHES);
    }

    private static AuditEvent of(Row row) {
        return new AuditEvent(row.getString("id"), row.getOffsetDateTime("at").toInstant(),
                new Caller(row.getString("tenant_id"), row.getString("subject")),
                AuditAction.fromWireName(row.getString("action")).orElseThrow(),
                row.getString("artifact_id"), row.getString("variant"),
                AuditEvent.Outcome.valueOf(row.getString("outcome").toUpperCase(java.util.Locale.ROOT)), row.getString("detail"));
    }
}
