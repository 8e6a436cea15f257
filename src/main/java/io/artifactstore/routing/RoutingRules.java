package io.artifactstore.routing;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.Glob;
import io.quarkus.runtime.configuration.MemorySizeConverter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** Turns the routing configuration into rules, refusing anything unknown with the rule and key named. */
final class RoutingRules {

    private static final String PREFIX = "artifact-store.routing.";
    private static final List<String> ARTIFACT_TYPES = Arrays.stream(ArtifactType.values()).map(ArtifactType::wireName).toList();

    record Compiled(String defaultProvider, List<RoutingRule> rules) {
    }

    private RoutingRules() {
    }

    static Compiled compile(ArtifactStoreConfig.Routing routing, Predicate<String> providerExists) {
        requireProvider(providerExists, routing.defaultProvider(), PREFIX + "default-provider", null);
        List<RoutingRule> rules = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < routing.rules().size(); i++) {
            ArtifactStoreConfig.Routing.Rule rule = routing.rules().get(i);
            String key = PREFIX + "rules[" + i + "]";
            if (!names.add(rule.name())) {
                throw new ConfigurationException("Routing rule '" + rule.name() + "' (" + key + ".name) is defined twice");
            }
            rules.add(compile(rule, key, providerExists));
        }
        return new Compiled(routing.defaultProvider(), List.copyOf(rules));
    }

    private static RoutingRule compile(ArtifactStoreConfig.Routing.Rule rule, String key, Predicate<String> providerExists) {
        ArtifactStoreConfig.Routing.When when = rule.when();
        requireProvider(providerExists, rule.provider(), key + ".provider", rule.name());
        List<String> fallbacks = rule.fallbacks().orElse(List.of());
        for (int f = 0; f < fallbacks.size(); f++) {
            requireProvider(providerExists, fallbacks.get(f), key + ".fallbacks[" + f + "]", rule.name());
        }
        Set<ArtifactType> types = EnumSet.noneOf(ArtifactType.class);
        for (String type : when.types().orElse(List.of())) {
            types.add(ArtifactType.fromWireName(type).orElseThrow(() -> invalid(rule.name(), key + ".when.types",
                    "'" + type + "' is not an artifact type; artifact types: " + ARTIFACT_TYPES)));
        }
        long minSize = size(when.minSize(), 0, rule.name(), key + ".when.min-size");
        long maxSize = size(when.maxSize(), Long.MAX_VALUE, rule.name(), key + ".when.max-size");
        if (minSize > maxSize) {
            throw invalid(rule.name(), key + ".when", "min-size is larger than max-size");
        }
        return new RoutingRule(rule.name(), types,
                when.contentTypes().orElse(List.of()).stream().map(Glob::ofMediaType).toList(),
                minSize, maxSize, Set.copyOf(when.tenants().orElse(List.of())),
                when.boards().orElse(List.of()).stream().map(Glob::of).toList(),
                Map.copyOf(when.metadata()), rule.provider(), List.copyOf(fallbacks));
    }

    private static long size(Optional<String> value, long absent, String rule, String key) {
        if (value.isEmpty()) {
            return absent;
        }
        try {
            return new MemorySizeConverter().convert(value.get().strip()).asLongValue();
        } catch (RuntimeException e) {
            throw invalid(rule, key, "'" + value.get() + "' is not a size such as 100M or 2G");
        }
    }

    private static void requireProvider(Predicate<String> providerExists, String provider, String key, String rule) {
        if (!providerExists.test(provider)) {
            throw rule == null
                    ? new ConfigurationException(key + "=" + provider + " names no configured provider")
                    : invalid(rule, key, "'" + provider + "' names no configured provider");
        }
    }

    private static ConfigurationException invalid(String rule, String key, String why) {
        return new ConfigurationException("Routing rule '" + rule + "' (" + key + "): " + why);
    }
}
