package io.artifactstore.quota;

import io.artifactstore.records.QuotaRows;
import io.artifactstore.records.Records;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a tenant holds, as its quotas count it: the declared bytes of its PENDING and AVAILABLE
 * variants (a pending upload reserves its size, and so does a pending replacement) and the artifacts
 * that have one, in all, per artifact type and per provider ({@code QuotaRows}' usage, one statement).
 */
@ApplicationScoped
public class TenantUsage {

    @Inject
    Records records;

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
        return records.alone(changes -> changes.quotas().usage(tenantId)).map(shares -> {
            Map<String, Share> byType = new TreeMap<>();
            Map<String, Share> byProvider = new TreeMap<>();
            Share total = new Share(0, 0);
            for (QuotaRows.Share row : shares) {
                Share share = new Share(row.bytes(), row.artifacts());
                if (row.type() != null) {
                    byType.put(row.type().wireName(), share);
                } else if (row.provider() != null) {
                    byProvider.put(row.provider(), share);
                } else {
                    total = share;
                }
            }
            return new View(tenantId, total.bytes(), total.artifacts(), byType, byProvider,
                    new Limits(limits.maxBytes(), limits.maxArtifacts()));
        });
    }
}
