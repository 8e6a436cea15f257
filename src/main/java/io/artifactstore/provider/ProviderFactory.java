package io.artifactstore.provider;

import java.util.List;
import java.util.Map;

/**
 * The plug-in SPI: a CDI bean that builds providers of one type from their configuration. Adding a
 * storage backend means adding one of these; nothing else in the service changes.
 */
public interface ProviderFactory {

    /** The value of {@code artifact-store.providers.<name>.type} this factory serves. */
    String type();

    /**
     * Every setting providers of this type accept, with its kind and default or that it is required;
     * any other key under {@code artifact-store.providers.<name>.} stops start-up.
     */
    List<ProviderSetting> settings();

    /**
     * Builds the provider named {@code name} from its settings: those {@link #settings()} declares,
     * already checked, with defaults filled in; fails with {@link IllegalArgumentException} naming
     * the bad key when they still do not make a usable provider.
     */
    StorageProvider create(String name, Map<String, String> settings);
}
