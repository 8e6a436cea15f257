package io.artifactstore.records;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Artifact rows. Every query names the tenant: no method can reach another tenant's rows. */
@ApplicationScoped
public class ArtifactRepository implements PanacheRepositoryBase<Artifact, String> {

    public Uni<Artifact> findOwned(String tenantId, String id) {
        return find("tenantId = ?1 and id = ?2", tenantId, id).firstResult();
    }

    /** One page, newest first, of the artifacts matching the filter and older than the cursor id. */
    public Uni<List<Artifact>> page(String tenantId, ArtifactFilter filter, String afterId, int limit) {
        StringBuilder query = new StringBuilder("tenantId = :tenantId");
        Parameters parameters = Parameters.with("tenantId", tenantId);
        if (filter.boardId() != null) {
            query.append(" and boardId = :boardId");
            parameters.and("boardId", filter.boardId());
        }
        if (filter.type() != null) {
            query.append(" and type = :type");
            parameters.and("type", filter.type());
        }
        if (filter.status() != null) {
            query.append(" and status = :status");
            parameters.and("status", filter.status());
        }
        if (afterId != null) {
            query.append(" and id < :afterId");
            parameters.and("afterId", afterId);
        }
        query.append(" order by id desc");
        return find(query.toString(), parameters).range(0, limit - 1).list();
    }
}
