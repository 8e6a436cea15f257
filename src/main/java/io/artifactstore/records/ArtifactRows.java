package io.artifactstore.records;

import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.core.ArtifactType;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import java.util.List;
import java.util.Map;

import static io.artifactstore.records.Rows.instant;
import static io.artifactstore.records.Rows.utc;

/** The statements of table {@code artifacts}; every one names the tenant. */
public final class ArtifactRows {

    static final String COLUMNS = "id, tenant_id, type, board_id, status, filename, metadata, created_at, updated_at";

    private static final String LOCK = "SELECT " + COLUMNS + " FROM artifacts WHERE tenant_id = $1 AND id = $2 FOR UPDATE";

    /**
     * Locks, in id order, the artifacts of the variants whose verified version is at one of these keys
     * of a provider, whoever's (reconciliation): the lock every change of an artifact takes first.
     */
    private static final String LOCK_NAMING = """
            SELECT a.id FROM artifacts a
            WHERE a.id IN (SELECT v.artifact_id FROM artifact_variants v WHERE v.provider = $1 AND v.storage_key = ANY($2))
            ORDER BY a.id FOR UPDATE""";

    private static final String INSERT = "INSERT INTO artifacts (" + COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

    private static final String FIND = "SELECT " + COLUMNS + " FROM artifacts WHERE tenant_id = $1 AND id = $2";

    /**
     * A new artifact, its first variant and the audit event of their creation, in ONE statement: on the
     * pool it is a transaction of its own, without BEGIN and COMMIT (the variant's foreign key is
     * checked at the end of the statement), the hot path of a new artifact's ticket.
     */
    private static final String INSERT_WITH_VARIANT = "WITH artifact AS (" + INSERT + "), audit AS ("
            + AuditTrail.insert(Rows.count(COLUMNS) + Rows.count(VariantRows.COLUMNS) + 1) + ")"
            + " INSERT INTO artifact_variants (" + VariantRows.COLUMNS + ") VALUES ("
            + Rows.placeholders(Rows.count(COLUMNS) + 1, Rows.count(VariantRows.COLUMNS)) + ")";

    private static final String UPDATE_STATUS = "UPDATE artifacts SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2";

    private static final String DELETE = "DELETE FROM artifacts WHERE tenant_id = $1 AND id = $2";

    private final SqlClient client;

    ArtifactRows(SqlClient client) {
        this.client = client;
    }

    /**
     * The tenant's artifact, its row locked until the transaction ends, or null. Every change of an
     * artifact takes this lock first (README "Immutable bytes, race-free records").
     */
    public Uni<Artifact> lock(String tenantId, String id) {
        return Rows.first(client, LOCK, Tuple.of(tenantId, id), ArtifactRows::of);
    }

    /**
     * Locks the artifacts whose variants name one of {@code keys} of {@code provider} as their verified
     * version, until the transaction ends; read those variants afterwards ({@link VariantRows#atKeys}).
     */
    public Uni<Void> lockNaming(String provider, List<String> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Rows.execute(client, LOCK_NAMING, Tuple.of(provider, keys.toArray(String[]::new)));
    }

    /** The tenant's artifact, or null; reads, locks nothing. */
    public Uni<Artifact> find(String tenantId, String id) {
        return Rows.first(client, FIND, Tuple.of(tenantId, id), ArtifactRows::of);
    }

    public Uni<Void> insert(Artifact artifact) {
        return Rows.execute(client, INSERT, values(artifact));
    }

    /** Both rows and the event, or none of them: see {@link #INSERT_WITH_VARIANT}. */
    public Uni<Void> insertWithVariant(Artifact artifact, Variant first, AuditEvent created) {
        return Rows.execute(client, INSERT_WITH_VARIANT,
                AuditTrail.addTo(Rows.concat(values(artifact), VariantRows.values(first)), created));
    }

    /** Writes the artifact's status and update time. */
    public Uni<Void> updateStatus(Artifact artifact) {
        return Rows.execute(client, UPDATE_STATUS, Tuple.of(artifact.tenantId, artifact.id, artifact.status.name(),
                utc(artifact.updatedAt)));
    }

    /** As {@link #updateStatus}, for many artifacts in one round trip. */
    public Uni<Void> updateStatuses(List<Artifact> artifacts) {
        return Rows.executeBatch(client, UPDATE_STATUS, artifacts.stream()
                .map(a -> Tuple.of(a.tenantId, a.id, a.status.name(), utc(a.updatedAt))).toList());
    }

    /** As {@link #delete}, for many artifacts in one round trip. */
    public Uni<Void> deleteAll(List<Artifact> artifacts) {
        return Rows.executeBatch(client, DELETE, artifacts.stream().map(a -> Tuple.of(a.tenantId, a.id)).toList());
    }

    /** Deletes the artifact's row, and with it its variants' rows (ON DELETE CASCADE). */
    public Uni<Void> delete(Artifact artifact) {
        return Rows.execute(client, DELETE, Tuple.of(artifact.tenantId, artifact.id));
    }

    static Artifact of(Row row) {
        Artifact a = new Artifact();
        a.id = row.getString("id");
        a.tenantId = row.getString("tenant_id");
        a.type = ArtifactType.valueOf(row.getString("type"));
        a.boardId = row.getString("board_id");
        a.status = Status.valueOf(row.getString("status"));
        a.filename = row.getString("filename");
        JsonObject metadata = (JsonObject) row.getValue("metadata");
        a.metadata = metadata == null ? Map.of() : metadata.getMap();
        a.createdAt = instant(row, "created_at");
        a.updatedAt = instant(row, "updated_at");
        return a;
    }

    static Tuple values(Artifact a) {
        return Tuple.tuple().addString(a.id).addString(a.tenantId).addString(a.type.name()).addString(a.boardId)
                .addString(a.status.name()).addString(a.filename).addValue(new JsonObject(a.metadata == null ? Map.of() : a.metadata))
                .addOffsetDateTime(utc(a.createdAt)).addOffsetDateTime(utc(a.updatedAt));
    }
}
