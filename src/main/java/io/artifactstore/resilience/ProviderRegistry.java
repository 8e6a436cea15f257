package io.artifactstore.resilience;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.provider.StorageProviders;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every configured provider wrapped in its guard, as the rest of the service uses them. The providers
 * themselves are built by {@link StorageProviders}, which knows nothing of this layer.
 */
@Startup
@ApplicationScoped
public class ProviderRegistry {

    private final Map<String, ResilientProvider> providers;

    @Inject
    public ProviderRegistry(StorageProviders built, ArtifactStoreConfig config, MeterRegistry metrics) {
        Map<String, ResilientProvider> guarded = new LinkedHashMap<>();
        built.byName().forEach((name, provider) ->
                guarded.put(name, new ResilientProvider(provider, config.providers().get(name).resilience(), metrics)));
        this.providers = Collections.unmodifiableMap(guarded);
    }

    public Optional<ResilientProvider> find(String name) {
        return Optional.ofNullable(providers.get(name));
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
