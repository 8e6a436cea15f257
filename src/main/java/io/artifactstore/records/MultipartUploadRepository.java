package io.artifactstore.records;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Multipart upload rows on the Panache session, for the streamed uploads that still write them there;
 * every other statement of the table is in {@link MultipartRows}.
 */
@ApplicationScoped
public class MultipartUploadRepository implements PanacheRepositoryBase<MultipartUpload, String> {

    public Uni<Long> deleteOwned(String tenantId, String id) {
        return delete("id = ?1 and tenantId = ?2", id, tenantId);
    }
}
