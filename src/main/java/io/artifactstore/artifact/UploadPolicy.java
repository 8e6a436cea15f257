package io.artifactstore.artifact;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.Glob;
import io.artifactstore.core.Ids;
import io.artifactstore.core.MediaTypes;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each upload may be: its allowed content types and maximum size, decided by its variant's
 * name where one is configured ({@code thumbnail} and {@code preview} are images whatever the
 * artifact is), else by the artifact's type (README "API reference", "Configuration reference").
 */
@Startup
@ApplicationScoped
public class UploadPolicy {

    private final Map<ArtifactType, Rule> byType = new EnumMap<>(ArtifactType.class);
    private final Map<String, Rule> byVariant = new HashMap<>();

    @Inject
    public UploadPolicy(ArtifactStoreConfig config) {
        config.types().forEach((name, policy) -> {
            ArtifactType type = ArtifactType.fromWireName(name).orElseThrow(() -> new ConfigurationException(
                    "artifact-store.types." + name + " names an unknown artifact type; known types: " + wireNames()));
            byType.put(type, Rule.of(policy));
        });
        for (ArtifactType type : ArtifactType.values()) {
            if (!byType.containsKey(type)) {
                throw new ConfigurationException("artifact-store.types." + type.wireName() + " is not configured");
            }
        }
        config.variants().forEach((name, policy) -> {
            if (!Ids.isValid(name)) {
                throw new ConfigurationException("artifact-store.variants." + name + " is not a valid variant name");
            }
            byVariant.put(name, Rule.of(policy));
        });
    }

    /** The type of a valid request; otherwise an invalid type, an unsupported content type or too large a size. */
    public ArtifactType check(String typeName, String variant, String contentType, long size) {
        ArtifactType type = ArtifactType.fromWireName(typeName).orElseThrow(() ->
                DomainFailure.invalidField("type", "must be one of " + wireNames()));
        Rule variantRule = byVariant.get(variant);
        Rule rule = variantRule != null ? variantRule : byType.get(type);
        String what = variantRule != null ? variant + " variants" : type.wireName() + " artifacts";
        String base = MediaTypes.base(contentType);
        if (rule.globs().stream().noneMatch(allowed -> allowed.matches(base))) {
            throw DomainFailure.of(DomainFailure.Kind.UNSUPPORTED_TYPE, "Content type " + base + " is not allowed for " + what
                    + "; allowed: " + rule.contentTypes());
        }
        if (size > rule.maxSize()) {
            throw DomainFailure.tooLarge(capitalized(what) + " may have at most " + rule.maxSize() + " bytes; declared " + size);
        }
        return type;
    }

    private static String capitalized(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    private static List<String> wireNames() {
        return Arrays.stream(ArtifactType.values()).map(ArtifactType::wireName).toList();
    }

    private record Rule(List<String> contentTypes, List<Glob> globs, long maxSize) {
        static Rule of(ArtifactStoreConfig.TypePolicy policy) {
            return new Rule(policy.contentTypes().stream().map(String::strip).toList(),
                    policy.contentTypes().stream().map(Glob::ofMediaType).toList(), policy.maxSize().asLongValue());
        }
    }
}
