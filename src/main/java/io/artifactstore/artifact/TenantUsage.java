package io.artifactstore.artifact;

import io.artifactstore.core.ArtifactType;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a tenant holds, as its quotas count it: the declared bytes of its PENDING and AVAILABLE
 * variants (a pending upload reserves its size, and so does a pending replacement) and the artifacts
 * that have one, in all, per artifact
 * type and per provider. One statement over the tenant's rows (tenant-leading index).
 */
@ApplicationScoped
public class TenantUsage {

    // GROUPING(type, provider): 1 for a per-type row, 2 for a per-provider row, 3 for the total.
    // A pending replacement reserves its size on its own provider, next to the version it replaces.
    private static final String USAGE = """
            SELECT a.type, v.provider, GROUPING(a.type, v.provider) AS level,
                   COALESCE(SUM(v.size), 0)::BIGINT AS bytes, COUNT(DISTINCT v.artifact_id) AS artifacts
            FROM (SELECT artifact_id, provider, size FROM artifact_variants
                  WHERE tenant_id = $1 AND status IN ('PENDING', 'AVAILABLE')
                  UNION ALL
                  SELECT artifact_id, replacement_provider, replacement_size FROM artifact_variants
                  WHERE tenant_id = $1 AND status = 'AVAILABLE' AND replacement_size IS NOT NULL) v
            JOIN artifacts a ON a.id = v.artifact_id
            GROUP BY GROUPING SETS ((a.type), (v.provider), ())""";

    @Inject
    Pool database;

    @Schema(description = "Declared bytes of PENDING and AVAILABLE variants, and the artifacts that have one")
    public record Share(long bytes, long artifacts) {
    }

    /** The answer of {@code GET /api/v1/usage}. */
    public record View(String tenant, long bytes, long artifacts,
                       @Schema(description = "Per artifact type (image, video ...); types without any are left out")
                       Map<String, Share> byType,
                       @Schema(description = "Per provider; an artifact with variants on two providers counts under both")
                       Map<String, Share> byProvider,
                       Limits limits) {
    }

    /** The tenant's limits; null where there is none. */
    public record Limits(@Schema(nullable = true) Long maxBytes, @Schema(nullable = true) Long maxArtifacts) {
    }

    public Uni<View> of(String tenantId, Quotas.Limits limits) {
        return database.preparedQuery(USAGE).execute(Tuple.of(tenantId)).map(rows -> {
            Map<String, Share> byType = new TreeMap<>();
            Map<String, Share> byProvider = new TreeMap<>();
            Share total = new Share(0, 0);
            for (Row row : rows) {
                Share share = new Share(row.getLong("bytes"), row.getLong("artifacts"));
                switch (row.getInteger("level")) {
                    case 1 -> byType.put(ArtifactType.valueOf(row.getString("type")).wireName(), share);
                    case 2 -> byProvider.put(row.getString("provider"), share);
                    default -> total = share;
                }
            }
            return new View(tenantId, total.bytes(), total.artifacts(), byType, byProvider,
                    new Limits(limits.maxBytes(), limits.maxArtifacts()));
        });
    }
}
