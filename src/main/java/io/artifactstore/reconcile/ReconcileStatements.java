package io.artifactstore.reconcile;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.records.Records;
import io.artifactstore.records.StoredKeys.RecordedKey;
import io.artifactstore.records.Transition;
import io.artifactstore.records.VariantTransitions;
import io.artifactstore.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

/**
 * The database side of reconciliation: the statements of its jobs (table {@code reconcile_jobs}), and
 * the records side of the walk, read and changed through {@link Records} (the package that owns the
 * artifact tables, README "Architecture").
 */
@ApplicationScoped
public class ReconcileStatements {

    private static final String INSERT_JOB = """
            INSERT INTO reconcile_jobs (id, tenant_id, provider, prefix, apply, status, started_at, heartbeat_at)
            VALUES ($1, $2, $3, $4, $5, 'RUNNING', $6, $6)""";

    private static final String PROGRESS = """
            UPDATE reconcile_jobs SET scanned_objects = $2, scanned_records = $3, orphan_objects = $4,
                missing_objects = $5, deleted_objects = $6, marked_missing = $7, heartbeat_at = $8
            WHERE id = $1 AND status = 'RUNNING'""";

    private static final String FINISH = """
            UPDATE reconcile_jobs SET status = $2, error = $3, finished_at = $4, heartbeat_at = $4
            WHERE id = $1 AND status = 'RUNNING'""";

    private static final String FAIL_STALE = """
            UPDATE reconcile_jobs SET status = 'FAILED', finished_at = $3,
                error = 'The job stopped making progress: the replica running it is gone'
            WHERE id = $1 AND status = 'RUNNING' AND heartbeat_at < $2""";

    private static final String FIND_JOB = "SELECT * FROM reconcile_jobs WHERE id = $1 AND tenant_id = $2";

    @Inject
    Pool database;

    @Inject
    AuditTrail audit;

    @Inject
    Records records;

    @Inject
    VariantTransitions transitions;

    /** Up to {@code limit} of the provider's variant keys after {@code after}, within [from, to), in byte order. */
    public Uni<List<RecordedKey>> variants(String provider, String after, String from, String to, int limit) {
        return records.alone(changes -> changes.storedKeys().variantPage(provider, after, from, to, limit));
    }

    /** Which of these keys are tombstoned or targets of a multipart upload. */
    public Uni<Set<String>> accounted(String provider, List<String> keys) {
        return records.alone(changes -> changes.storedKeys().accounted(provider, keys));
    }

    /**
     * Marks the AVAILABLE variants at these keys MISSING ({@link VariantTransitions#markMissing}), under
     * their artifacts' locks, each with its audit event (naming {@code job}); answers how many were.
     */
    public Uni<Integer> markMissing(String provider, List<String> keys, ReconcileJob job, Instant now) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return records.inTransaction(changes -> changes.artifacts().lockNaming(provider, keys)
                .chain(() -> changes.variants().atKeys(provider, keys))
                .chain(found -> {
                    List<Transition> marked = found.stream().map(transitions::markMissing).filter(Transition::changed).toList();
                    return changes.applyAll(marked)
                            .chain(() -> changes.audit(marked.stream().map(Transition::before)
                                    .map(v -> AuditEvent.succeeded(Caller.system(v.tenantId, Reconciler.SUBJECT),
                                            AuditAction.RECONCILE_MISSING, v.artifactId, v.name, now)
                                            .withDetail("job " + job.id() + " of tenant " + job.tenant() + ": no object on provider " + provider))
                                    .toList()))
                            .replaceWith(marked.size());
                }));
    }

    /** Records a RUNNING job with the audit event of its start. */
    public Uni<Void> insert(ReconcileJob job, AuditEvent started) {
        return database.withTransaction(conn -> conn.preparedQuery(INSERT_JOB).execute(Tuple.of(job.id(), job.tenant(),
                        job.provider(), job.prefix(), job.apply(), utc(job.startedAt())))
                .chain(() -> audit.recordAll(conn, List.of(started))));
    }

    /** Saves the counters and moves the heartbeat; false when the job is no longer RUNNING (reported stale). */
    public Uni<Boolean> progress(String id, ReconcileJob.Counters counters, Instant now) {
        Tuple values = Tuple.tuple().addString(id).addLong(counters.scannedObjects()).addLong(counters.scannedRecords())
                .addLong(counters.orphanObjects()).addLong(counters.missingObjects()).addLong(counters.deletedObjects())
                .addLong(counters.markedMissing()).addOffsetDateTime(utc(now));
        return database.preparedQuery(PROGRESS).execute(values).map(rows -> rows.rowCount() == 1);
    }

    public Uni<Void> finish(String id, String status, String error, Instant now) {
        return database.preparedQuery(FINISH).execute(Tuple.of(id, status, error, utc(now))).replaceWithVoid();
    }

    /** The tenant's job, or null; a RUNNING job whose heartbeat is older than {@code staleBefore} is FAILED first. */
    public Uni<ReconcileJob> find(String tenant, String id, Instant staleBefore, Instant now) {
        return database.preparedQuery(FAIL_STALE).execute(Tuple.of(id, utc(staleBefore), utc(now)))
                .chain(() -> database.preparedQuery(FIND_JOB).execute(Tuple.of(id, tenant)))
                .map(rows -> {
                    RowIterator<Row> found = rows.iterator();
                    return found.hasNext() ? job(found.next()) : null;
                });
    }

    private static ReconcileJob job(Row row) {
        OffsetDateTime finished = row.getOffsetDateTime("finished_at");
        return new ReconcileJob(row.getString("id"), row.getString("tenant_id"), row.getString("provider"),
                row.getString("prefix"), row.getBoolean("apply"), row.getString("status"),
                new ReconcileJob.Counters(row.getLong("scanned_objects"), row.getLong("scanned_records"),
                        row.getLong("orphan_objects"), row.getLong("missing_objects"), row.getLong("deleted_objects"),
                        row.getLong("marked_missing")),
                row.getString("error"), row.getOffsetDateTime("started_at").toInstant(),
                finished == null ? null : finished.toInstant());
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
