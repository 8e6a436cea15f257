package io.artifactstore.records;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import java.util.List;

import static io.artifactstore.records.Rows.instant;
import static io.artifactstore.records.Rows.utc;

/**
 * The statements of table {@code artifact_variants}, always addressed through the tenant. A new column
 * goes into {@link #COLUMNS}, {@link #of}, {@link #values} and the {@link Variant} entity, all here.
 */
public final class VariantRows {

    static final String COLUMNS = """
            tenant_id, artifact_id, name, status, provider, storage_key, content_type, size, sha256, created_at,
            completed_at, upload_expires_at, replacement_provider, replacement_key, replacement_content_type,
            replacement_size, replacement_sha256, replacement_expires_at""";

    private static final String FIND = "SELECT " + COLUMNS + " FROM artifact_variants"
            + " WHERE tenant_id = $1 AND artifact_id = $2 AND name = $3";

    private static final String OF_ARTIFACT = "SELECT " + COLUMNS + " FROM artifact_variants"
            + " WHERE tenant_id = $1 AND artifact_id = $2 ORDER BY created_at, name";

    /** The variants of several artifacts, each addressed through its tenant, grouped by artifact. */
    private static final String OF_ARTIFACTS = "SELECT " + COLUMNS + " FROM artifact_variants"
            + " WHERE (tenant_id, artifact_id) IN (SELECT * FROM UNNEST($1::varchar[], $2::varchar[]))"
            + " ORDER BY artifact_id, created_at, name";

    /** The variants whose verified version is at one of these keys of a provider, whoever's (reconciliation). */
    private static final String AT_KEYS = "SELECT " + COLUMNS + " FROM artifact_variants"
            + " WHERE provider = $1 AND storage_key = ANY($2)";

    /** What a download needs, with the artifact's file name: one statement (a variant row exists only under its artifact). */
    private static final String FIND_STORED = """
            SELECT v.status, v.provider, v.storage_key, v.content_type, a.filename
            FROM artifact_variants v JOIN artifacts a ON a.id = v.artifact_id
            WHERE v.tenant_id = $1 AND v.artifact_id = $2 AND v.name = $3""";

    private static final String INSERT = "INSERT INTO artifact_variants (" + COLUMNS + """
            ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)""";

    private static final String UPDATE = """
            UPDATE artifact_variants SET status = $4, provider = $5, storage_key = $6, content_type = $7, size = $8,
                sha256 = $9, created_at = $10, completed_at = $11, upload_expires_at = $12, replacement_provider = $13,
                replacement_key = $14, replacement_content_type = $15, replacement_size = $16, replacement_sha256 = $17,
                replacement_expires_at = $18
            WHERE tenant_id = $1 AND artifact_id = $2 AND name = $3""";

    private static final String DELETE = "DELETE FROM artifact_variants WHERE tenant_id = $1 AND artifact_id = $2 AND name = $3";

    private final SqlClient client;

    VariantRows(SqlClient client) {
        this.client = client;
    }

    /** The tenant's variant, or null. */
    public Uni<Variant> find(String tenantId, String artifactId, String name) {
        return Rows.first(client, FIND, Tuple.of(tenantId, artifactId, name), VariantRows::of);
    }

    /** What a download URL needs of the tenant's variant, or null when the tenant has no such variant. */
    public Uni<StoredVariant> findStored(String tenantId, String artifactId, String name) {
        return Rows.first(client, FIND_STORED, Tuple.of(tenantId, artifactId, name), StoredVariant::of);
    }

    public Uni<List<Variant>> ofArtifact(String tenantId, String artifactId) {
        return Rows.all(client, OF_ARTIFACT, Tuple.of(tenantId, artifactId), VariantRows::of);
    }

    /** The variants of these artifacts (locked by the caller), in one statement. */
    public Uni<List<Variant>> ofArtifacts(List<Artifact> artifacts) {
        if (artifacts.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        String[] tenants = artifacts.stream().map(a -> a.tenantId).toArray(String[]::new);
        String[] ids = artifacts.stream().map(a -> a.id).toArray(String[]::new);
        return Rows.all(client, OF_ARTIFACTS, Tuple.of(tenants, ids), VariantRows::of);
    }

    /**
     * The variants whose verified version is at one of {@code keys} of {@code provider}. Read them
     * after {@link ArtifactRows#lockNaming} locked their artifacts, so the read sees them as they are now.
     */
    public Uni<List<Variant>> atKeys(String provider, List<String> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Rows.all(client, AT_KEYS, Tuple.of(provider, keys.toArray(String[]::new)), VariantRows::of);
    }

    public Uni<Void> insert(Variant variant) {
        return Rows.execute(client, INSERT, values(variant));
    }

    /** Writes every column of the variant's row. */
    public Uni<Void> update(Variant variant) {
        return Rows.execute(client, UPDATE, values(variant));
    }

    public Uni<Void> delete(Variant variant) {
        return Rows.execute(client, DELETE, Tuple.of(variant.tenantId, variant.artifactId, variant.name));
    }

    /** As {@link #insert}, {@link #update} and {@link #delete}, one statement per kind for many variants in one round trip each. */
    Uni<Void> insertAll(List<Variant> created) {
        return Rows.executeBatch(client, INSERT, created.stream().map(VariantRows::values).toList());
    }

    Uni<Void> updateAll(List<Variant> changed) {
        return Rows.executeBatch(client, UPDATE, changed.stream().map(VariantRows::values).toList());
    }

    Uni<Void> deleteAll(List<Variant> gone) {
        return Rows.executeBatch(client, DELETE, gone.stream().map(v -> Tuple.of(v.tenantId, v.artifactId, v.name)).toList());
    }

    /** A row of {@link #COLUMNS} as the entity. */
    static Variant of(Row row) {
        Variant v = new Variant();
        v.tenantId = row.getString("tenant_id");
        v.artifactId = row.getString("artifact_id");
        v.name = row.getString("name");
        v.status = Status.valueOf(row.getString("status"));
        v.provider = row.getString("provider");
        v.storageKey = row.getString("storage_key");
        v.contentType = row.getString("content_type");
        v.size = row.getLong("size");
        v.sha256 = row.getString("sha256");
        v.createdAt = instant(row, "created_at");
        v.completedAt = instant(row, "completed_at");
        v.uploadExpiresAt = instant(row, "upload_expires_at");
        v.replacementProvider = row.getString("replacement_provider");
        v.replacementKey = row.getString("replacement_key");
        v.replacementContentType = row.getString("replacement_content_type");
        v.replacementSize = row.getLong("replacement_size");
        v.replacementSha256 = row.getString("replacement_sha256");
        v.replacementExpiresAt = instant(row, "replacement_expires_at");
        return v;
    }

    /** The variant's values in the order of {@link #COLUMNS}. */
    static Tuple values(Variant v) {
        return Tuple.tuple().addString(v.tenantId).addString(v.artifactId).addString(v.name).addString(v.status.name())
                .addString(v.provider).addString(v.storageKey).addString(v.contentType).addLong(v.size).addString(v.sha256)
                .addOffsetDateTime(utc(v.createdAt)).addOffsetDateTime(utc(v.completedAt))
                .addOffsetDateTime(utc(v.uploadExpiresAt)).addString(v.replacementProvider).addString(v.replacementKey)
                .addString(v.replacementContentType).addLong(v.replacementSize).addString(v.replacementSha256)
                .addOffsetDateTime(utc(v.replacementExpiresAt));
    }
}
