package io.artifactstore.records;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The expiry reaper's claims, one transaction per batch. Each batch first locks the artifacts it
 * takes with {@code FOR UPDATE SKIP LOCKED}, the same row lock every other change of an artifact
 * takes first: replicas reaping at once never take the same artifact, and a ticket, complete or
 * delete running meanwhile is ordered before or after the batch, never interleaved. The later
 * statements of the transaction read with fresh snapshots under those locks.
 */
@ApplicationScoped
public class ReaperStatements {

    /** The subject of the reaper's changes in the audit trail: system:expiry-reaper. */
    public static final String SUBJECT = "expiry-reaper";

    private static final String LOCK_ARTIFACTS_WITH_EXPIRED_UPLOADS = """
            SELECT a.id FROM artifacts a
            WHERE a.id IN (SELECT v.artifact_id FROM artifact_variants v
                           WHERE v.status = 'PENDING' AND v.upload_expires_at <= $1
                           ORDER BY v.upload_expires_at LIMIT $2)
            FOR UPDATE SKIP LOCKED""";

    private static final String EXPIRE_UPLOADS = """
            UPDATE artifact_variants SET status = 'EXPIRED'
            WHERE artifact_id = ANY($1) AND status = 'PENDING' AND upload_expires_at <= $2
            RETURNING tenant_id, artifact_id, name, provider, storage_key""";

    /** An artifact that never became available and has no live upload left is EXPIRED too. */
    private static final String EXPIRE_ARTIFACTS = """
            UPDATE artifacts a SET status = 'EXPIRED', updated_at = $2
            WHERE a.id = ANY($1) AND a.status = 'PENDING' AND NOT EXISTS (
                SELECT 1 FROM artifact_variants v WHERE v.artifact_id = a.id AND v.status IN ('PENDING', 'AVAILABLE'))""";

    private static final String LOCK_ARTIFACTS_WITH_EXPIRED_REPLACEMENTS = """
            SELECT a.id FROM artifacts a
            WHERE a.id IN (SELECT v.artifact_id FROM artifact_variants v
                           WHERE v.replacement_key IS NOT NULL AND v.replacement_expires_at <= $1
                           ORDER BY v.replacement_expires_at LIMIT $2)
            FOR UPDATE SKIP LOCKED""";

    private static final String FIND_EXPIRED_REPLACEMENTS = """
            SELECT tenant_id, artifact_id, name, replacement_provider AS provider, replacement_key AS storage_key
            FROM artifact_variants
            WHERE artifact_id = ANY($1) AND replacement_key IS NOT NULL AND replacement_expires_at <= $2""";

    private static final String DROP_EXPIRED_REPLACEMENTS = """
            UPDATE artifact_variants SET replacement_provider = NULL, replacement_key = NULL,
                replacement_content_type = NULL, replacement_size = NULL, replacement_sha256 = NULL,
                replacement_expires_at = NULL
            WHERE artifact_id = ANY($1) AND replacement_key IS NOT NULL AND replacement_expires_at <= $2""";

    private static final String LOCK_OLD_INTERMEDIATES = """
            SELECT id FROM artifacts WHERE type = 'INTERMEDIATE' AND created_at <= $1
            ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED""";

    /** Every version the deleted variants name, with the time after which no URL can write there. */
    private static final String DELETE_VARIANTS = """
            WITH gone AS (DELETE FROM artifact_variants WHERE artifact_id = ANY($1)
                          RETURNING tenant_id, artifact_id, name, provider, storage_key, upload_expires_at,
                                    replacement_provider, replacement_key, replacement_expires_at)
            SELECT tenant_id, artifact_id, name, provider, storage_key, upload_expires_at AS writable_until FROM gone
            UNION ALL
            SELECT tenant_id, artifact_id, name, replacement_provider, replacement_key, replacement_expires_at FROM gone
            WHERE replacement_key IS NOT NULL""";

    private static final String DELETE_ARTIFACTS = "DELETE FROM artifacts WHERE id = ANY($1) RETURNING tenant_id, id";

    private static final String BURY = """
            INSERT INTO object_tombstones (provider, storage_key, sweep_at)
            SELECT * FROM UNNEST($1::varchar[], $2::varchar[], $3::timestamptz[])
            ON CONFLICT (provider, storage_key) DO NOTHING""";

    /**
     * Multipart uploads past their expiry (a starting one's is the end of its start window, V12),
     * leased to this replica like tombstones; {@code completed}
     * when the variant names the bytes the upload completed (its row kept only for a retried complete).
     */
    private static final String CLAIM_EXPIRED_MULTIPARTS = """
            UPDATE multipart_uploads m SET expires_at = $2
            FROM (SELECT id FROM multipart_uploads WHERE expires_at <= $1
                  ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
            WHERE m.id = due.id
            RETURNING m.id, m.tenant_id, m.artifact_id, m.variant, m.provider, m.storage_key, m.provider_upload_id,
                m.streamed, m.created_at,
                m.provider_upload_id IS NOT NULL AND EXISTS (SELECT 1 FROM artifact_variants v
                    WHERE v.tenant_id = m.tenant_id AND v.artifact_id = m.artifact_id AND v.name = m.variant
                      AND v.status = 'AVAILABLE' AND v.storage_key = m.storage_key) AS completed""";

    @Inject
    Pool database;

    @Inject
    AuditTrail audit;

    /** A version whose record let go of it: its object is to be deleted once no URL can write there ({@code sweepAt}). */
    public record Released(String tenantId, String artifactId, String variant, String provider, String storageKey, Instant sweepAt) {
    }

    /**
     * Marks EXPIRED up to about {@code limit} pending variants whose ticket stopped writing before
     * {@code cutoff}, tombstones their keys (due {@code now}) and expires artifacts left without a
     * live variant; answers the expired versions.
     */
    public Uni<List<Released>> expireUploads(Instant cutoff, Instant now, int limit) {
        return database.withTransaction(conn -> lockedIds(conn, LOCK_ARTIFACTS_WITH_EXPIRED_UPLOADS, cutoff, limit)
                .chain(ids -> ids.length == 0 ? Uni.createFrom().item(List.<Released>of())
                        : conn.preparedQuery(EXPIRE_UPLOADS).execute(Tuple.of(ids, utc(cutoff)))
                        .map(rows -> released(rows, now))
                        .call(expired -> release(conn, expired, now, "upload ticket expired before the upload was completed"))
                        .call(() -> conn.preparedQuery(EXPIRE_ARTIFACTS).execute(Tuple.of(ids, utc(now))))));
    }

    /** Drops up to about {@code limit} replacements whose ticket stopped writing before {@code cutoff}. */
    public Uni<List<Released>> dropExpiredReplacements(Instant cutoff, Instant now, int limit) {
        return database.withTransaction(conn -> lockedIds(conn, LOCK_ARTIFACTS_WITH_EXPIRED_REPLACEMENTS, cutoff, limit)
                .chain(ids -> ids.length == 0 ? Uni.createFrom().item(List.<Released>of())
                        : conn.preparedQuery(FIND_EXPIRED_REPLACEMENTS).execute(Tuple.of(ids, utc(cutoff)))
                        .map(rows -> released(rows, now))
                        .call(dropped -> release(conn, dropped, now, "replacement ticket expired; the verified version stays"))
                        .call(() -> conn.preparedQuery(DROP_EXPIRED_REPLACEMENTS).execute(Tuple.of(ids, utc(cutoff))))));
    }

    /**
     * Deletes up to {@code limit} intermediate artifacts created before {@code createdBefore}, as
     * DELETE does: records gone, every version tombstoned until no URL can write there
     * ({@code grace} after its ticket's expiry, never before {@code now}).
     */
    public Uni<List<Released>> deleteIntermediates(Instant createdBefore, Instant now, Duration grace, int limit) {
        return database.withTransaction(conn -> lockedIds(conn, LOCK_OLD_INTERMEDIATES, createdBefore, limit)
                .chain(ids -> ids.length == 0 ? Uni.createFrom().item(List.<Released>of())
                        : conn.preparedQuery(DELETE_VARIANTS).execute(Tuple.of(ids))
                        .map(rows -> {
                            List<Released> versions = new ArrayList<>();
                            for (Row row : rows) {
                                Instant lastWrite = row.getOffsetDateTime("writable_until").toInstant().plus(grace);
                                versions.add(new Released(row.getString("tenant_id"), row.getString("artifact_id"),
                                        row.getString("name"), row.getString("provider"), row.getString("storage_key"),
                                        lastWrite.isAfter(now) ? lastWrite : now));
                            }
                            return versions;
                        })
                        .call(versions -> bury(conn, versions))
                        .call(() -> conn.preparedQuery(DELETE_ARTIFACTS).execute(Tuple.of(ids)).chain(rows -> {
                            List<AuditEvent> deleted = new ArrayList<>();
                            for (Row row : rows) {
                                deleted.add(AuditEvent.succeeded(Caller.system(row.getString("tenant_id"), SUBJECT),
                                        AuditAction.EXPIRE, row.getString("id"), null, now)
                                        .withDetail("intermediate artifact outlived artifact-store.lifecycle.intermediate-ttl: deleted"));
                            }
                            return audit.recordAll(conn, deleted);
                        }))));
    }

    /**
     * An expired multipart upload, and whether it wrote the version its variant names: the one that
     * completed it (nothing left to abort) or another one started for that version (its parts are).
     */
    public record ExpiredMultipart(MultipartUpload upload, boolean completed) {
    }

    /** Claims up to {@code limit} expired multipart uploads until {@code leaseEnd}; other replicas skip them. */
    public Uni<List<ExpiredMultipart>> claimExpiredMultiparts(Instant now, Instant leaseEnd, int limit) {
        return database.preparedQuery(CLAIM_EXPIRED_MULTIPARTS).execute(Tuple.of(utc(now), utc(leaseEnd), limit))
                .map(rows -> {
                    List<ExpiredMultipart> claimed = new ArrayList<>();
                    for (Row row : rows) {
                        MultipartUpload upload = new MultipartUpload();
                        upload.id = row.getString("id");
                        upload.tenantId = row.getString("tenant_id");
                        upload.artifactId = row.getString("artifact_id");
                        upload.variant = row.getString("variant");
                        upload.provider = row.getString("provider");
                        upload.storageKey = row.getString("storage_key");
                        upload.providerUploadId = row.getString("provider_upload_id");
                        upload.streamed = row.getBoolean("streamed");
                        upload.createdAt = row.getOffsetDateTime("created_at").toInstant();
                        claimed.add(new ExpiredMultipart(upload, row.getBoolean("completed")));
                    }
                    return claimed;
                });
    }

    private static Uni<String[]> lockedIds(SqlConnection conn, String lock, Instant before, int limit) {
        return conn.preparedQuery(lock).execute(Tuple.of(utc(before), limit)).map(rows -> {
            List<String> ids = new ArrayList<>();
            for (Row row : rows) {
                ids.add(row.getString("id"));
            }
            return ids.toArray(String[]::new);
        });
    }

    private static Uni<Void> bury(SqlConnection conn, List<Released> versions) {
        if (versions.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] providers = versions.stream().map(Released::provider).toArray(String[]::new);
        String[] keys = versions.stream().map(Released::storageKey).toArray(String[]::new);
        OffsetDateTime[] due = versions.stream().map(v -> utc(v.sweepAt())).toArray(OffsetDateTime[]::new);
        return conn.preparedQuery(BURY).execute(Tuple.of(providers, keys, due)).replaceWithVoid();
    }

    private static List<Released> released(RowSet<Row> rows, Instant sweepAt) {
        List<Released> versions = new ArrayList<>();
        for (Row row : rows) {
            versions.add(new Released(row.getString("tenant_id"), row.getString("artifact_id"), row.getString("name"),
                    row.getString("provider"), row.getString("storage_key"), sweepAt));
        }
        return versions;
    }

    /** Tombstones the versions an expiry let go of and records each one's expiry, in the batch's transaction. */
    private Uni<Void> release(SqlConnection conn, List<Released> versions, Instant now, String why) {
        return bury(conn, versions).chain(() -> audit.recordAll(conn, versions.stream()
                .map(v -> AuditEvent.succeeded(Caller.system(v.tenantId(), SUBJECT), AuditAction.EXPIRE,
                        v.artifactId(), v.variant(), now).withDetail(why))
                .toList()));
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
