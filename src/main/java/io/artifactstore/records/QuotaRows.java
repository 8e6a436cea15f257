package io.artifactstore.records;

import io.artifactstore.core.ArtifactType;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import java.util.List;

/**
 * What a tenant holds, as its quotas count it: the declared bytes of its PENDING and AVAILABLE
 * variants (a pending upload reserves its size, and so does a pending replacement, next to the
 * version it replaces) and the artifacts that have one. The admission of a ticket reads it under the
 * tenant's lock, in the transaction that then writes the ticket.
 */
public final class QuotaRows {

    /**
     * Admissions of one tenant take turns on it until their transactions end. Taken in a statement of
     * its own: the sum that follows, in read committed, then sees whatever the previous holder wrote.
     */
    private static final String LOCK = "SELECT 1 FROM pg_advisory_xact_lock(hashtext('artifact_store.quota:' || $1))";

    /**
     * What the tenant holds or has reserved, besides what the variant about to be ticketed ($2, $3)
     * gives up: the size of its earlier pending ticket, or of its earlier pending replacement. And the
     * artifacts it will hold once the variant is ticketed: one more unless its artifact counts already
     * through another variant (an EXPIRED artifact that a ticket revives counts again).
     */
    private static final String USED = """
            SELECT CAST(COALESCE(SUM(CASE WHEN artifact_id = $2 AND name = $3
                                          THEN CASE WHEN status = 'AVAILABLE' THEN size ELSE 0 END
                                          ELSE size + CASE WHEN status = 'AVAILABLE' THEN COALESCE(replacement_size, 0) ELSE 0 END
                                     END), 0) AS BIGINT) AS bytes,
                   COUNT(DISTINCT CASE WHEN NOT (artifact_id = $2 AND name = $3 AND status = 'PENDING') THEN artifact_id END)
                   + CASE WHEN BOOL_OR(artifact_id = $2 AND NOT (name = $3 AND status = 'PENDING')) THEN 0 ELSE 1 END AS artifacts
            FROM artifact_variants
            WHERE tenant_id = $1 AND status IN ('PENDING', 'AVAILABLE')""";

    /**
     * The same count in all, per artifact type and per provider: GROUPING(type, provider) is 1 for a
     * per-type row, 2 for a per-provider row, 3 for the total. One statement over the tenant's rows
     * (tenant-leading index).
     */
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

    private final SqlClient client;

    private final boolean transaction;

    QuotaRows(SqlClient client, boolean transaction) {
        this.client = client;
        this.transaction = transaction;
    }

    /** What the tenant holds once a variant is ticketed: bytes besides the variant's own, and artifacts. */
    public record Held(long bytes, long artifacts) {
    }

    /**
     * Takes the tenant's quota lock (until the transaction ends), then answers what the tenant holds
     * besides {@code name} of {@code artifactId}, the variant about to be ticketed.
     */
    public Uni<Held> lockAndCount(String tenantId, String artifactId, String name) {
        if (!transaction) { // on the bare pool the lock would end with its own statement: admissions would not take turns
            throw new IllegalStateException("a quota admission runs in Records.inTransaction");
        }
        return Rows.execute(client, LOCK, Tuple.of(tenantId))
                .chain(() -> Rows.first(client, USED, Tuple.of(tenantId, artifactId, name),
                        row -> new Held(row.getLong("bytes"), row.getLong("artifacts"))));
    }

    /** One share of a tenant's usage: of one type, of one provider (the other null), or in all (both null). */
    public record Share(ArtifactType type, String provider, long bytes, long artifacts) {
    }

    public Uni<List<Share>> usage(String tenantId) {
        return Rows.all(client, USAGE, Tuple.of(tenantId), row -> {
            int level = row.getInteger("level");
            return new Share(level == 1 ? ArtifactType.valueOf(row.getString("type")) : null,
                    level == 2 ? row.getString("provider") : null, row.getLong("bytes"), row.getLong("artifacts"));
        });
    }
}
