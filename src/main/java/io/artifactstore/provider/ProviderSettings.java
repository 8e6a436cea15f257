package io.artifactstore.provider;

import io.quarkus.runtime.configuration.ConfigurationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Checks a provider's configured settings against what its type declares, and fills in defaults. */
final class ProviderSettings {

    /** Keys under a provider that the registry itself reads, not its factory. */
    private static final String TYPE = "type";
    private static final String RESILIENCE = "resilience.";

    private ProviderSettings() {
    }

    /**
     * The settings the factory gets: every declared one that is set or has a default. An unknown key,
     * a missing required one or a value of the wrong kind fails with a message naming the key.
     */
    static Map<String, String> check(String provider, String type, List<ProviderSetting> declared, Map<String, String> configured) {
        Map<String, ProviderSetting> byName = declared.stream()
                .collect(Collectors.toMap(ProviderSetting::name, s -> s, (a, b) -> a, TreeMap::new));
        Map<String, String> settings = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : new TreeMap<>(configured).entrySet()) {
            String key = entry.getKey();
            if (key.equals(TYPE) || key.startsWith(RESILIENCE)) {
                continue;
            }
            ProviderSetting setting = byName.get(key);
            if (setting == null) {
                throw new ConfigurationException(qualified(provider, key) + " is not a setting of " + type
                        + " providers; known settings: " + byName.keySet());
            }
            setting.problemWith(entry.getValue()).ifPresent(problem -> {
                throw new ConfigurationException(qualified(provider, key) + " " + problem);
            });
            settings.put(key, entry.getValue().strip());
        }
        for (ProviderSetting setting : byName.values()) {
            if (!settings.containsKey(setting.name())) {
                if (setting.required()) {
                    throw new ConfigurationException(qualified(provider, setting.name()) + " is required for " + type + " providers");
                }
                if (setting.defaultValue() != null) {
                    settings.put(setting.name(), setting.defaultValue());
                }
            }
        }
        return settings;
    }

    private static String qualified(String provider, String key) {
        return "artifact-store.providers." + provider + "." + key;
    }
}
