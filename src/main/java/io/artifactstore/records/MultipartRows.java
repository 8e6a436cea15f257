package io.artifactstore.records;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Instant;
import java.util.List;

import static io.artifactstore.records.Rows.instant;
import static io.artifactstore.records.Rows.utc;

/** The statements of table {@code multipart_uploads}, addressed through tenant and artifact where a client names a row. */
public final class MultipartRows {

    static final String COLUMNS = """
            id, tenant_id, artifact_id, variant, provider, storage_key, provider_upload_id, streamed, size, part_size,
            part_count, created_at, expires_at""";

    private static final String INSERT = "INSERT INTO multipart_uploads (" + COLUMNS + """
            ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""";

    private static final String FIND = "SELECT " + COLUMNS + " FROM multipart_uploads WHERE id = $1 AND tenant_id = $2 AND artifact_id = $3";

    private static final String OF_ARTIFACT = "SELECT " + COLUMNS + " FROM multipart_uploads WHERE tenant_id = $1 AND artifact_id = $2";

    private static final String AT_KEY = "SELECT " + COLUMNS + " FROM multipart_uploads WHERE provider = $1 AND storage_key = $2";

    /** A client's uploads of one version that have not expired: usable ones and those still starting (not the service's own). */
    private static final String COUNT_OPEN = """
            SELECT COUNT(*) AS open FROM multipart_uploads
            WHERE tenant_id = $1 AND artifact_id = $2 AND variant = $3 AND storage_key = $4 AND expires_at > $5
              AND streamed = false""";

    private static final String RECORD_STARTED = """
            UPDATE multipart_uploads SET provider_upload_id = $3, expires_at = $4 WHERE id = $1 AND tenant_id = $2""";

    private static final String DELETE = "DELETE FROM multipart_uploads WHERE id = $1 AND tenant_id = $2";

    /** Only while it is still starting: once its start recorded the store's id, the upload is in use. */
    private static final String DELETE_STARTING = DELETE + " AND provider_upload_id IS NULL";

    /**
     * Uploads past their expiry (a starting one's is the end of its start window), leased to this
     * replica as tombstones are; {@code completed} when the variant names the bytes the upload
     * completed (its row kept only for a retried complete).
     */
    private static final String CLAIM_EXPIRED = """
            UPDATE multipart_uploads m SET expires_at = $2
            FROM (SELECT id FROM multipart_uploads WHERE expires_at <= $1
                  ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
            WHERE m.id = due.id
            RETURNING m.*,
                m.provider_upload_id IS NOT NULL AND EXISTS (SELECT 1 FROM artifact_variants v
                    WHERE v.tenant_id = m.tenant_id AND v.artifact_id = m.artifact_id AND v.name = m.variant
                      AND v.status = 'AVAILABLE' AND v.storage_key = m.storage_key) AS completed""";

    private final SqlClient client;

    MultipartRows(SqlClient client) {
        this.client = client;
    }

    public Uni<Void> insert(MultipartUpload row) {
        return Rows.execute(client, INSERT, Tuple.tuple().addString(row.id).addString(row.tenantId).addString(row.artifactId)
                .addString(row.variant).addString(row.provider).addString(row.storageKey).addString(row.providerUploadId)
                .addBoolean(row.streamed).addLong(row.size).addLong(row.partSize).addInteger(row.partCount)
                .addOffsetDateTime(utc(row.createdAt)).addOffsetDateTime(utc(row.expiresAt)));
    }

    /** The tenant's upload of the artifact, or null. */
    public Uni<MultipartUpload> find(String tenantId, String artifactId, String id) {
        return Rows.first(client, FIND, Tuple.of(id, tenantId, artifactId), MultipartRows::of);
    }

    public Uni<List<MultipartUpload>> ofArtifact(String tenantId, String artifactId) {
        return Rows.all(client, OF_ARTIFACT, Tuple.of(tenantId, artifactId), MultipartRows::of);
    }

    /** Every row of an upload at one key of one provider, whoever's. */
    public Uni<List<MultipartUpload>> atKey(String provider, String storageKey) {
        return Rows.all(client, AT_KEY, Tuple.of(provider, storageKey), MultipartRows::of);
    }

    public Uni<Long> countOpen(String tenantId, String artifactId, String variant, String storageKey, Instant now) {
        return Rows.first(client, COUNT_OPEN, Tuple.of(tenantId, artifactId, variant, storageKey, utc(now)), row -> row.getLong("open"));
    }

    /** Records the store's id of a started upload and its real expiry. */
    public Uni<Void> recordStarted(MultipartUpload row) {
        return Rows.execute(client, RECORD_STARTED, Tuple.of(row.id, row.tenantId, row.providerUploadId, utc(row.expiresAt)));
    }

    /** Forgets the row; answers whether there was one. */
    public Uni<Boolean> delete(String tenantId, String id) {
        return Rows.update(client, DELETE, Tuple.of(id, tenantId)).map(deleted -> deleted > 0);
    }

    /** Forgets the row only while it is still starting; answers whether it did. */
    public Uni<Boolean> deleteStarting(String tenantId, String id) {
        return Rows.update(client, DELETE_STARTING, Tuple.of(id, tenantId)).map(deleted -> deleted > 0);
    }

    /**
     * An expired upload, and whether it wrote the version its variant names: the one that completed it
     * (nothing left to abort) or another one started for that version (its parts are).
     */
    public record Expired(MultipartUpload upload, boolean completed) {
    }

    /** Claims up to {@code limit} uploads expired at {@code now} until {@code leaseEnd}; other replicas skip them. */
    public Uni<List<Expired>> claimExpired(Instant now, Instant leaseEnd, int limit) {
        return Rows.all(client, CLAIM_EXPIRED, Tuple.of(utc(now), utc(leaseEnd), limit),
                row -> new Expired(of(row), row.getBoolean("completed")));
    }

    static MultipartUpload of(Row row) {
        MultipartUpload m = new MultipartUpload();
        m.id = row.getString("id");
        m.tenantId = row.getString("tenant_id");
        m.artifactId = row.getString("artifact_id");
        m.variant = row.getString("variant");
        m.provider = row.getString("provider");
        m.storageKey = row.getString("storage_key");
        m.providerUploadId = row.getString("provider_upload_id");
        m.streamed = row.getBoolean("streamed");
        m.size = row.getLong("size");
        m.partSize = row.getLong("part_size");
        m.partCount = row.getInteger("part_count");
        m.createdAt = instant(row, "created_at");
        m.expiresAt = instant(row, "expires_at");
        return m;
    }
}
