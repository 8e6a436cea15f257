package io.artifactstore.records;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

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
}
