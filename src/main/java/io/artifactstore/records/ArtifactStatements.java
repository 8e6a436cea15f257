package io.artifactstore.records;

import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.core.StorageKey;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
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
 * Every statement written by hand, in one place, against the reactive pool: the two hottest paths
 * (issuing the ticket of a new artifact, looking up a variant for a download URL: one round trip
 * each, without an ORM session or a BEGIN/COMMIT pair) and the tombstone sweep, which needs
 * {@code FOR UPDATE SKIP LOCKED}. All other reads and writes go through the Panache entities; the
 * round-trip test ({@code ArtifactStatementsTest}) keeps both views of each table in step.
 */
@ApplicationScoped
public class ArtifactStatements {

    /**
     * Both rows and their audit event, or none: one statement, one transaction (the variant's foreign
     * key is checked at the end of the statement).
     */
    private static final String INSERT_ARTIFACT_WITH_VARIANT = """
            WITH artifact AS (
                INSERT INTO artifacts (id, tenant_id, type, board_id, status, filename, metadata, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)),
            audit AS (%s)
            INSERT INTO artifact_variants (tenant_id, artifact_id, name, status, provider, storage_key,
                                           content_type, size, sha256, created_at, upload_expires_at)
            VALUES ($2, $1, $9, $10, $11, $12, $13, $14, $15, $16, $17)""".formatted(AuditTrail.insert(18));

    private static final String FIND_VARIANT_WITH_FILENAME = """
            SELECT v.status, v.provider, v.storage_key, v.content_type, a.filename
            FROM artifact_variants v JOIN artifacts a ON a.id = v.artifact_id
            WHERE v.tenant_id = $1 AND v.artifact_id = $2 AND v.name = $3""";

    /** Claims a batch of due tombstones for this replica by pushing their sweep time to the end of a lease. */
    private static final String CLAIM_DUE_TOMBSTONES = """
            UPDATE object_tombstones t SET sweep_at = $2
            FROM (SELECT provider, storage_key FROM object_tombstones WHERE sweep_at <= $1
                  ORDER BY sweep_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
            WHERE t.provider = due.provider AND t.storage_key = due.storage_key
            RETURNING t.provider, t.storage_key""";

    private static final String FORGET_TOMBSTONE = """
            DELETE FROM object_tombstones WHERE provider = $1 AND storage_key = $2 AND sweep_at <= $3""";

    @Inject
    Pool database;

    /**
     * Records a new artifact together with its first variant and the audit event of their creation,
     * through {@code client}: the pool, or the connection of a transaction (a quota check's).
     */
    public Uni<Void> insert(SqlClient client, Artifact artifact, Variant variant, AuditEvent created) {
        Tuple values = Tuple.tuple()
                .addString(artifact.id).addString(artifact.tenantId).addString(artifact.type.name())
                .addString(artifact.boardId).addString(artifact.status.name()).addString(artifact.filename)
                .addValue(new JsonObject(artifact.metadata)).addOffsetDateTime(utc(artifact.createdAt))
                .addString(variant.name).addString(variant.status.name()).addString(variant.provider)
                .addString(variant.storageKey).addString(variant.contentType).addLong(variant.size)
                .addString(variant.sha256).addOffsetDateTime(utc(variant.createdAt))
                .addOffsetDateTime(utc(variant.uploadExpiresAt));
        AuditTrail.addTo(values, created);
        return client.preparedQuery(INSERT_ARTIFACT_WITH_VARIANT).execute(values).replaceWithVoid();
    }

    /** What a download URL needs of a tenant's variant, or null when the tenant has no such variant. */
    public Uni<StoredVariant> findStored(String tenantId, String artifactId, String name) {
        return database.preparedQuery(FIND_VARIANT_WITH_FILENAME).execute(Tuple.of(tenantId, artifactId, name))
                .map(rows -> {
                    RowIterator<Row> found = rows.iterator();
                    return found.hasNext() ? StoredVariant.of(found.next()) : null;
                });
    }

    /** Claims up to {@code limit} tombstones due at {@code now} until {@code leaseEnd}; other replicas skip them. */
    public Uni<List<TombstonedKey>> claimDueTombstones(Instant now, Instant leaseEnd, int limit) {
        return database.preparedQuery(CLAIM_DUE_TOMBSTONES).execute(Tuple.of(utc(now), utc(leaseEnd), limit))
                .map(rows -> {
                    List<TombstonedKey> claimed = new ArrayList<>();
                    for (Row row : rows) {
                        claimed.add(new TombstonedKey(row.getString("provider"), row.getString("storage_key")));
                    }
                    return claimed;
                });
    }

    /** Drops the tombstone of a key whose object is gone, unless a URL may still write there after {@code gone}. */
    public Uni<Void> forgetTombstone(String provider, String storageKey, Instant gone) {
        return database.preparedQuery(FORGET_TOMBSTONE).execute(Tuple.of(provider, storageKey, utc(gone))).replaceWithVoid();
    }

    public record TombstonedKey(String provider, String storageKey) {
    }

    /** A variant as a download sees it: where its bytes are, what they are, what the artifact's file is called. */
    public record StoredVariant(Status status, String provider, StorageKey key, String contentType, String filename) {
        static StoredVariant of(Row row) {
            return new StoredVariant(Status.valueOf(row.getString("status")), row.getString("provider"),
                    StorageKey.parse(row.getString("storage_key")), row.getString("content_type"), row.getString("filename"));
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
