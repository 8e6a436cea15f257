package io.artifactstore.routing;

import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.MediaTypes;

import java.util.Map;

/** What routing may look at: only what the client declared, never the bytes. */
public record UploadFacts(String tenantId, ArtifactType type, String boardId, String contentType, long size,
                          Map<String, Object> metadata) {

    String baseContentType() {
        return MediaTypes.base(contentType);
    }

    /** A metadata value as text, for equality with a rule's expected value; null when absent. */
    String metadataValue(String key) {
        Object value = metadata == null ? null : metadata.get(key);
        return value == null ? null : value.toString();
    }
}
