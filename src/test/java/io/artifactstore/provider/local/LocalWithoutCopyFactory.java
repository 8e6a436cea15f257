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
import java.util.Optional;

/**
 * A plug-in provider type of the tests, {@code local-without-copy}: the local provider minus its
 * optional server-side copy, so the contract suite meets a provider that lacks an ability.
 */
@ApplicationScoped
public class LocalWithoutCopyFactory implements ProviderFactory {

    public static final String TYPE = "local-without-copy";

    @Inject
    ArtifactStoreConfig config;

    @Inject
    UrlSigner signer;

    @Inject
    Vertx vertx;

    @Inject
    Clock clock;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<ProviderSetting> settings() {
        return List.of(ProviderSetting.required("root", ProviderSetting.Kind.TEXT));
    }

    @Override
    public StorageProvider create(String name, Map<String, String> settings) {
        return new WithoutCopy(name, Path.of(settings.get("root")), config.publicUrl(), signer, vertx, clock).prepare();
    }

    static final class WithoutCopy extends LocalStorageProvider {

        WithoutCopy(String name, Path root, String publicUrl, UrlSigner signer, Vertx vertx, Clock clock) {
            super(name, root, publicUrl, signer, vertx, clock);
        }

        @Override
        public <A> Optional<A> ability(Class<A> kind) {
            return Optional.empty();
        }
    }
}
