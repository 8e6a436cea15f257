package io.artifactstore.artifact;

import io.artifactstore.records.Artifact;
import io.artifactstore.records.Status;
import io.artifactstore.records.Variant;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.StorageKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The Artifact JSON of the README's API reference. */
public record ArtifactView(String id, String tenantId, ArtifactType type, String boardId, Status status,
                           String filename, Map<String, Object> metadata, Instant createdAt, Instant updatedAt,
                           List<VariantView> variants) {

    /** {@code key} is the variant's; {@code version} names the upload whose bytes the variant holds. */
    public record VariantView(String name, Status status, String contentType, long size, String sha256,
                              String provider, String key, String version, Instant createdAt, Instant completedAt) {

        static VariantView of(Variant v) {
            StorageKey key = v.key();
            return new VariantView(v.name, v.status, v.contentType, v.size, v.sha256, v.provider, key.variantKey(),
                    key.version(), v.createdAt, v.completedAt);
        }
    }

    static ArtifactView of(Artifact a, List<Variant> variants) {
        return new ArtifactView(a.id, a.tenantId, a.type, a.boardId, a.status, a.filename, a.metadata,
                a.createdAt, a.updatedAt, variants.stream().map(VariantView::of).toList());
    }
}
