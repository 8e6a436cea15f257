package io.artifactstore.provider;

import java.util.Map;

/**
 * The plug-in SPI: a CDI bean that builds providers of one type from their configuration. Adding a
 * storage backend means adding one of these; nothing else in the service changes.
 */
public interface ProviderFactory {

    /** The value of {@code artifact-store.providers.<name>.type} this factory serves. */
    String type();

    /**
     * Builds the provider named {@code name} from its settings (every key under
     * {@code artifact-store.providers.<name>}); fails with {@link IllegalArgumentException} naming the
     * bad key when the settings are unusable.
     */
    StorageProvider create(String name, Map<String, String> settings);
}
