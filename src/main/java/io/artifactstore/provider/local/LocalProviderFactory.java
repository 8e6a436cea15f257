package io.artifactstore.provider.local;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.provider.ProviderFactory;
import io.artifactstore.provider.ProviderSetting;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.security.UrlSigner;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** Builds {@code type: local} providers; their one setting is {@code root} (default {@code ./data/artifacts}). */
@ApplicationScoped
public class LocalProviderFactory implements ProviderFactory {

    @Inject
    ArtifactStoreConfig config;

    @Inject
    UrlSigner signer;

    @Inject
    Vertx vertx;

    /** The service's clock: the provider signs its URLs and checks them itself, on the lifecycle's time. */
    @Inject
    Clock clock;

    @Override
    public String type() {
        return LocalStorageProvider.TYPE;
    }

    @Override
    public List<ProviderSetting> settings() {
        return List.of(ProviderSetting.optional("root", ProviderSetting.Kind.TEXT, null),
                // Unlimited unless set: the local provider takes any size in one PUT.
                ProviderSetting.optional("max-single-put-size", ProviderSetting.Kind.SIZE, null));
    }

    @Override
    public StorageProvider create(String name, Map<String, String> settings) {
        String root = settings.get("root");
        Path rootPath = root == null || root.isBlank() ? ArtifactStoreConfig.defaultLocalRoot() : Path.of(root);
        LocalStorageProvider provider = new LocalStorageProvider(name, rootPath, stripTrailingSlash(config.publicUrl()), signer, vertx, clock);
        String maxSinglePut = settings.get("max-single-put-size");
        if (maxSinglePut != null) {
            provider.limitSinglePut(new io.quarkus.runtime.configuration.MemorySizeConverter().convert(maxSinglePut).asLongValue());
        }
        return provider.prepare();
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
