package io.artifactstore.provider.s3;

import io.artifactstore.core.StorageKey;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.provider.StorageProviderContract;
import io.artifactstore.provider.UploadTarget;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The provider contract, unchanged, against S3Proxy: a real S3 server that checks SigV4 signatures. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class S3StorageProviderTest extends StorageProviderContract {

    @Inject
    ProviderRegistry providers;

    @Override
    protected StorageProvider provider() {
        return providers.get(S3TestResource.PROVIDER);
    }

    @Test
    void objectsLiveUnderTheProvidersPrefixAndUrlsNameTheConfiguredEndpoint() {
        StorageKey key = newKey("original");
        SignedRequest ticket = provider().presignUpload(new UploadTarget(key, "image/png", 1, null, Duration.ofMinutes(1)))
                .await().indefinitely();
        assertThat(ticket.url()).startsWith(S3TestResource.server().endpoint() + "/" + S3TestResource.BUCKET + "/store/" + key + "?")
                .contains("X-Amz-Signature=").doesNotContain("x-amz-checksum");
        assertThat(ticket.headers()).containsOnlyKeys("Content-Type", "If-None-Match");
    }
}
