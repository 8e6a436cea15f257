package io.artifactstore.provider.local;

import io.artifactstore.provider.ServerSideCopy;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.provider.StorageProviderContract;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract suite on a plug-in provider without server-side copy: the copy case is skipped
 * (reported as skipped, not passed), and the resilience layer does not claim an ability it lacks.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class LocalWithoutCopyProviderTest extends StorageProviderContract {

    @Inject
    ProviderRegistry providers;

    @Override
    protected StorageProvider provider() {
        return providers.get(ArtifactStoreTestResource.PLAIN_PROVIDER);
    }

    @Test
    void theGuardedProviderHasExactlyTheAbilitiesOfWhatItWraps() {
        assertThat(provider().ability(ServerSideCopy.class)).isEmpty();
        assertThat(providers.get("local").ability(ServerSideCopy.class)).isPresent();
    }
}
