package io.artifactstore.records;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;

/** Multipart upload rows, always addressed through their tenant and artifact. */
@ApplicationScoped
public class MultipartUploadRepository implements PanacheRepositoryBase<MultipartUpload, String> {

    public Uni<MultipartUpload> findOwned(String tenantId, String artifactId, String id) {
        return find("id = ?1 and tenantId = ?2 and artifactId = ?3", id, tenantId, artifactId).firstResult();
    }

    public Uni<List<MultipartUpload>> ofArtifact(String tenantId, String artifactId) {
        return list("tenantId = ?1 and artifactId = ?2", tenantId, artifactId);
    }

    public Uni<List<MultipartUpload>> ofVariant(String tenantId, String artifactId, String variant) {
        return list("tenantId = ?1 and artifactId = ?2 and variant = ?3", tenantId, artifactId, variant);
    }

    /**
     * A client's uploads of one version of a variant that have not expired yet: those a client may
     * still write through, and those still starting, so that parallel starts cannot pass the bound
     * (a streamed write's row is the service's own).
     */
    public Uni<Long> countOpen(String tenantId, String artifactId, String variant, String storageKey, Instant now) {
        return count("tenantId = ?1 and artifactId = ?2 and variant = ?3 and storageKey = ?4 and expiresAt > ?5 and streamed = false",
                tenantId, artifactId, variant, storageKey, now);
    }

    /** Every row of an upload at one key of one provider, whoever's: the store's uploads there that they name are in use. */
    public Uni<List<MultipartUpload>> atKey(String provider, String storageKey) {
        return list("provider = ?1 and storageKey = ?2", provider, storageKey);
    }

    public Uni<Long> deleteOwned(String tenantId, String id) {
        return delete("id = ?1 and tenantId = ?2", id, tenantId);
    }

    /** Forgets a row only while it is still starting: once its start recorded the store's id, the upload is in use. */
    public Uni<Long> deleteStarting(String tenantId, String id) {
        return delete("id = ?1 and tenantId = ?2 and providerUploadId is null", id, tenantId);
    }
}
