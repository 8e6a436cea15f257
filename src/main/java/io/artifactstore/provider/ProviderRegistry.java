package io.artifactstore.provider;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.resilience.ResilientProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every configured provider, built once at start-up and wrapped in its guard; a bad configuration
 * fails start-up.
 */
@Startup
@ApplicationScoped
public class ProviderRegistry {

    private final Map<String, ResilientProvider> providers;

    @Inject
    public ProviderRegistry(ArtifactStoreConfig config, Instance<ProviderFactory> factories, MeterRegistry metrics) {
        Map<String, ProviderFactory> byType = factories.stream()
                .collect(Collectors.toMap(ProviderFactory::type, Function.identity()));
        Map<String, ResilientProvider> built = new LinkedHashMap<>();
        new TreeMap<>(config.providers()).forEach((name, provider) -> {
            ProviderFactory factory = byType.get(provider.type());
            if (factory == null) {
                throw new IllegalStateException("artifact-store.providers." + name + ".type=" + provider.type()
                        + " is not a known provider type; known types: " + new TreeMap<>(byType).keySet());
            }
            Map<String, String> settings = ProviderSettings.check(name, provider.type(), factory.settings(), provider.settings());
            try {
                built.put(name, new ResilientProvider(factory.create(name, settings), provider.resilience(), metrics));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("artifact-store.providers." + name + ": " + e.getMessage(), e);
            }
        });
        if (built.isEmpty()) {
            throw new IllegalStateException("No storage provider is configured: set artifact-store.providers.<name>.type");
        }
        this.providers = Collections.unmodifiableMap(built);
    }

    @PreDestroy
    void close() {
        for (ResilientProvider provider : providers.values()) {
            if (provider.unwrap() instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // shutting down: nothing left to do with it
                }
            }
        }
    }

    public Optional<ResilientProvider> find(String name) {
        return Optional.ofNullable(providers.get(name));
    }

    /** The provider itself, without its guard, if it is of the given kind (for its own HTTP routes). */
    public <T extends StorageProvider> Optional<T> findUnguarded(String name, Class<T> kind) {
        return find(name).map(ResilientProvider::unwrap).filter(kind::isInstance).map(kind::cast);
    }



    /** The provider an artifact record names; a record naming a removed provider is a configuration error. */
    public ResilientProvider get(String name) {
        ResilientProvider provider = providers.get(name);
        if (provider == null) {
            throw new IllegalStateException("Provider '" + name + "' is not configured");
        }
        return provider;
    }

    public Collection<ResilientProvider> all() {
        return providers.values();
    }

}
