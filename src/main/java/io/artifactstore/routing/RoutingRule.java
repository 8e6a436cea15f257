package io.artifactstore.routing;

import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.Glob;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** One compiled rule: conditions that all must hold, and where the upload then goes. */
record RoutingRule(String name, Set<ArtifactType> types, List<Glob> contentTypes, long minSize, long maxSize,
                   Set<String> tenants, List<Glob> boards, Map<String, String> metadata,
                   String provider, List<String> fallbacks) {

    boolean matches(UploadFacts upload) {
        return (types.isEmpty() || types.contains(upload.type()))
                && (contentTypes.isEmpty() || contentTypes.stream().anyMatch(g -> g.matches(upload.baseContentType())))
                && upload.size() >= minSize && upload.size() <= maxSize
                && (tenants.isEmpty() || tenants.contains(upload.tenantId()))
                && (boards.isEmpty() || boards.stream().anyMatch(g -> g.matches(upload.boardId())))
                && metadata.entrySet().stream().allMatch(e -> e.getValue().equals(upload.metadataValue(e.getKey())));
    }
}
