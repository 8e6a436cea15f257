package io.artifactstore.audit;

import io.artifactstore.core.Batches;
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
 * Writes the audit trail in the transaction of each change (through {@code records.Changes#audit},
 * on the connection of that transaction), pages through it for {@code GET /api/v1/audit}, and
 * purges what is older than the retention.
 */
@ApplicationScoped
public class AuditTrail {

    /** The columns of an event, in the order {@link #addTo} gives their values. */
    private static final String COLUMNS = "tenant_id, id, at, subject, action, artifact_id, variant, outcome, detail";

    private static final String INSERT_ALL = "INSERT INTO audit_events (" + COLUMNS + """
            ) SELECT * FROM UNNEST($1::varchar[], $2::char(26)[], $3::timestamptz[], $4::varchar[], $5::varchar[],
                                   $6::varchar[], $7::varchar[], $8::varchar[], $9::varchar[])""";

    private static final String PAGE = "SELECT " + COLUMNS + " FROM audit_events WHERE tenant_id = $1";

    private static final String PURGE = """
            DELETE FROM audit_events WHERE ctid = ANY (ARRAY(
                SELECT ctid FROM audit_events WHERE at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))""";

    static final int PURGE_BATCH = 1000;
    static final int PURGE_MAX_BATCHES = 20;

    @Inject
    Pool database;

    /** An INSERT of one event whose nine values are the parameters from {@code $first} on, in {@link #addTo}'s order. */
    public static String insert(int first) {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            values.append(i == 0 ? "$" : ", $").append(first + i);
        }
        return "INSERT INTO audit_events (" + COLUMNS + ") VALUES (" + values + ")";
    }

    /** Appends the event's values to {@code tuple}, in the order of {@link #insert}'s columns. */
    public static Tuple addTo(Tuple tuple, AuditEvent event) {
        return tuple.addString(event.caller().tenantId()).addString(event.id()).addOffsetDateTime(event.at().atOffset(ZoneOffset.UTC))
                .addString(event.caller().subject()).addString(event.action().wireName()).addString(event.artifactId())
                .addString(event.variant()).addString(event.outcome().wireName()).addString(event.detail());
    }

    /** Records the events through {@code client} (a transaction's connection, so they commit with its change), in one statement. */
    public static Uni<Void> recordAll(SqlClient client, List<AuditEvent> events) {
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

    /** Records one event on its own: for a change made in a store, not in a record (rejected bytes, an orphan deleted). */
    public Uni<Void> recordAlone(AuditEvent event) {
        return recordAll(database, List.of(event));
    }

    /**
     * Up to {@code limit} of the tenant's events, newest first, after the event {@code afterId} (null:
     * from the newest), only of {@code artifactId} and {@code action} where given.
     */
    public Uni<List<AuditEntry>> page(String tenantId, String artifactId, AuditAction action, String afterId, int limit) {
        StringBuilder sql = new StringBuilder(PAGE);
        Tuple values = Tuple.of(tenantId);
        if (afterId != null) {
            values.addString(afterId);
            sql.append(" AND id < $").append(values.size());
        }
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
            List<AuditEntry> events = new ArrayList<>();
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

    private static AuditEntry of(Row row) {
        return new AuditEntry(row.getString("id"), row.getOffsetDateTime("at").toInstant(), row.getString("tenant_id"),
                row.getString("subject"), row.getString("action"), row.getString("artifact_id"), row.getString("variant"),
                row.getString("outcome"), row.getString("detail"));
    }
}
