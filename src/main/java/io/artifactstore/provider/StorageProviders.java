package io.artifactstore.provider;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.artifactstore.config.ArtifactStoreConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every configured provider as its factory built it, once, at start-up; a bad configuration fails
 * start-up. Layers such as resilience wrap these; only a provider's own HTTP routes use them bare.
 */
@Startup
@ApplicationScoped
public class StorageProviders {

    private final Map<String, StorageProvider> providers;

    @Inject
    public StorageProviders(ArtifactStoreConfig config, Instance<ProviderFactory> factories) {
        Map<String, ProviderFactory> byType = factories.stream()
                .collect(Collectors.toMap(ProviderFactory::type, Function.identity()));
        Map<String, StorageProvider> built = new LinkedHashMap<>();
        new TreeMap<>(config.providers()).forEach((name, provider) -> {
            ProviderFactory factory = byType.get(provider.type());
            if (factory == null) {
                throw new ConfigurationException("artifact-store.providers." + name + ".type=" + provider.type()
                        + " is not a known provider type; known types: " + new TreeMap<>(byType).keySet());
            }
            Map<String, String> settings = ProviderSettings.check(name, provider.type(), factory.settings(), provider.settings());
            try {
                built.put(name, factory.create(name, settings));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("artifact-store.providers." + name + ": " + e.getMessage());
            }
        });
        if (built.isEmpty()) {
            throw new ConfigurationException("No storage provider is configured: set artifact-store.providers.<name>.type");
        }
        this.providers = Collections.unmodifiableMap(built);
    }

    @PreDestroy
    void close() {
        for (StorageProvider provider : providers.values()) {
            if (provider instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // shutting down: nothing left to do with it
                }
            }
        }
    }

    /** Every provider by name, in name order. */
    public Map<String, StorageProvider> byName() {
        return providers;
    }

    /** The provider itself, without any layer, if it is of the given kind (for its own HTTP routes). */
    public <T extends StorageProvider> Optional<T> find(String name, Class<T> kind) {
        return Optional.ofNullable(providers.get(name)).filter(kind::isInstance).map(kind::cast);
    }
}
