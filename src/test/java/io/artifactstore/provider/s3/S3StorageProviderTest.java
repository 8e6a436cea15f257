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

import io.artifactstore.testing.SignedUrlClient;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;

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

    @Test
    void aDeclaredSha256IsSignedIntoTheUploadSoTheStoreRefusesOtherBytes() {
        StorageKey key = newKey("original");
        byte[] data = randomBytes(1000);
        byte[] other = randomBytes(1000);
        SignedRequest ticket = provider().presignUpload(new UploadTarget(key, "image/png", data.length, sha256(data), Duration.ofMinutes(1)))
                .await().indefinitely();
        assertThat(ticket.headers())
                .containsEntry("x-amz-checksum-sha256", Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256(data))))
                .containsEntry("x-amz-sdk-checksum-algorithm", "SHA256");
        assertThat(URLDecoder.decode(ticket.url(), StandardCharsets.UTF_8)).contains("x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm");

        assertThat(SignedUrlClient.put(ticket, other).statusCode()).as("other bytes of the same length").isEqualTo(400);
        assertThat(provider().stat(key).await().indefinitely()).isEmpty();
        assertThat(SignedUrlClient.put(ticket.url(), java.util.Map.of("Content-Type", "image/png", "If-None-Match", "*"), data).statusCode())
                .as("the checksum headers are signed: leaving them out breaks the signature").isEqualTo(403);
        assertThat(SignedUrlClient.put(ticket, data).statusCode()).isEqualTo(200);
        assertThat(provider().stat(key).await().indefinitely().orElseThrow().sha256())
                .as("the store's own checksum, so complete need not read the object back").isEqualTo(sha256(data));
    }
}
