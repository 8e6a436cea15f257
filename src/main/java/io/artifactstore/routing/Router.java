package io.artifactstore.routing;

import io.artifactstore.config.ArtifactStoreConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Chooses the provider of each new variant. */
@ApplicationScoped
public class Router {

    @Inject
    ArtifactStoreConfig config;

    /** The provider for an upload. Until rules are configured, every upload goes to the default provider. */
    public String route(UploadFacts facts) {
        return config.routing().defaultProvider();
    }

    /** What routing may look at: never the bytes, only what the client declared. */
    public record UploadFacts(String tenantId, String type, String boardId, String contentType, long size) {
    }
}
