package io.artifactstore.records;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/** Variant rows, always addressed through their tenant. */
@ApplicationScoped
public class VariantRepository implements PanacheRepositoryBase<Variant, Variant.Key> {

    public Uni<Variant> findOwned(String tenantId, String artifactId, String name) {
        return findById(new Variant.Key(tenantId, artifactId, name));
    }

    public Uni<List<Variant>> ofArtifact(String tenantId, String artifactId) {
        return list("tenantId = ?1 and artifactId = ?2 order by createdAt, name", tenantId, artifactId);
    }

    public Uni<List<Variant>> ofArtifacts(String tenantId, Collection<String> artifactIds) {
        if (artifactIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return list("tenantId = ?1 and artifactId in ?2 order by createdAt, name", tenantId, artifactIds);
    }

    /**
     * Marks the variant available if it is still pending on the given version; answers how many rows
     * changed (0 when it was completed, re-ticketed or deleted meanwhile).
     */
    public Uni<Integer> markAvailable(Variant.Key key, String storageKey, String sha256, Instant now) {
        return update("status = ?1, sha256 = coalesce(?2, sha256), completedAt = ?3"
                        + " where tenantId = ?4 and artifactId = ?5 and name = ?6 and status = ?7 and storageKey = ?8",
                Status.AVAILABLE, sha256, now, key.tenantId, key.artifactId, key.name, Status.PENDING, storageKey);
    }

    /**
     * Marks the variant available on the version a streamed upload wrote, on the provider that took it,
     * if it is still pending on the version the upload started from; answers how many rows changed.
     */
    public Uni<Integer> markStreamed(Variant.Key key, String startedFrom, String provider, String storageKey, String sha256, Instant now) {
        return update("status = ?1, provider = ?2, storageKey = ?3, sha256 = coalesce(?4, sha256), completedAt = ?5"
                        + " where tenantId = ?6 and artifactId = ?7 and name = ?8 and status = ?9 and storageKey = ?10",
                Status.AVAILABLE, provider, storageKey, sha256, now, key.tenantId, key.artifactId, key.name, Status.PENDING, startedFrom);
    }
}
