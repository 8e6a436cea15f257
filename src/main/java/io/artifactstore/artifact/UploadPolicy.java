package io.artifactstore.artifact;

import io.artifactstore.api.ServiceException;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.routing.Glob;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** What each artifact type may be: its allowed content types and maximum size (CONTRACT §3, §6). */
@Startup
@ApplicationScoped
public class UploadPolicy {

    private final Map<ArtifactType, Rule> rules = new EnumMap<>(ArtifactType.class);

    @Inject
    public UploadPolicy(ArtifactStoreConfig config) {
        config.types().forEach((name, policy) -> {
            ArtifactType type = ArtifactType.fromWireName(name).orElseThrow(() -> new IllegalStateException(
                    "artifact-store.types." + name + " names an unknown artifact type; known types: " + wireNames()));
            rules.put(type, new Rule(policy.contentTypes().stream().map(String::strip).toList(),
                    policy.contentTypes().stream().map(Glob::ofMediaType).toList(), policy.maxSize().asLongValue()));
        });
        for (ArtifactType type : ArtifactType.values()) {
            if (!rules.containsKey(type)) {
                throw new IllegalStateException("artifact-store.types." + type.wireName() + " is not configured");
            }
        }
    }

    /** The type of a valid request; otherwise 400 (unknown type), 415 (content type) or 413 (size). */
    public ArtifactType check(String typeName, String contentType, long size) {
        ArtifactType type = ArtifactType.fromWireName(typeName).orElseThrow(() ->
                ServiceException.invalidField("type", "must be one of " + wireNames()));
        Rule rule = rules.get(type);
        String base = MediaTypes.base(contentType);
        if (rule.globs().stream().noneMatch(allowed -> allowed.matches(base))) {
            throw ServiceException.unsupportedMediaType("Content type " + base + " is not allowed for " + type.wireName()
                    + " artifacts; allowed: " + rule.contentTypes());
        }
        if (size > rule.maxSize()) {
            throw ServiceException.tooLarge("Artifacts of type " + type.wireName() + " may have at most "
                    + rule.maxSize() + " bytes; declared " + size);
        }
        return type;
    }

    private static List<String> wireNames() {
        return Arrays.stream(ArtifactType.values()).map(ArtifactType::wireName).toList();
    }

    private record Rule(List<String> contentTypes, List<Glob> globs, long maxSize) {
    }
}
