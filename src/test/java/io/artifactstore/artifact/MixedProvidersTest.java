package io.artifactstore.artifact;

import io.artifactstore.core.StorageKey;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.security.Roles;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.artifactstore.testing.SignedUrlClient.get;
import static io.artifactstore.testing.SignedUrlClient.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/** One running service, two providers: routing sends images to local and videos to S3 (S3Proxy). */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class MixedProvidersTest {

    private final String token = Tokens.readerWriter("mixed");

    @Inject
    ProviderRegistry providers;

    @Test
    void imagesGoToLocalAndVideosToS3EndToEnd() {
        byte[] image = randomBytes(2000);
        byte[] video = randomBytes(300_000);
        JsonPath imageCreated = create(token, imageRequest("b", image));
        JsonPath videoCreated = create(token, videoRequest(video));
        assertThat(imageCreated.getString("artifact.variants[0].provider")).isEqualTo("local");
        assertThat(videoCreated.getString("artifact.variants[0].provider")).isEqualTo(S3TestResource.PROVIDER);
        assertThat(videoCreated.getString("upload.url")).startsWith(S3TestResource.server().endpoint())
                .contains("X-Amz-Signature=");

        for (var upload : Map.of(imageCreated, image, videoCreated, video).entrySet()) {
            JsonPath created = upload.getKey();
            String id = created.getString("artifact.id");
            assertThat(put(ticket(created), upload.getValue()).statusCode()).isEqualTo(200);
            as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200)
                    .body("status", equalTo("AVAILABLE"));
            String url = as(token).get("/api/v1/artifacts/{id}/download-url?disposition=attachment", id)
                    .then().statusCode(200).extract().path("url");
            HttpResponse<byte[]> download = get(url);
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(download.body()).isEqualTo(upload.getValue());
            assertThat(download.headers().firstValue("Content-Disposition").orElse("")).startsWith("attachment");
        }

        StorageKey videoKey = ApiClient.storedKey(videoCreated);
        assertThat(providers.get(S3TestResource.PROVIDER).stat(videoKey).await().indefinitely()).isPresent();
        as(token).delete("/api/v1/artifacts/{id}", videoCreated.getString("artifact.id")).then().statusCode(204);
        assertThat(providers.get(S3TestResource.PROVIDER).stat(videoKey).await().indefinitely()).isEmpty();
    }

    @Test
    void completeOnS3ChecksSizeAndReadsTheObjectBackForItsSha256() {
        byte[] video = randomBytes(10_000);
        Map<String, Object> request = videoRequest(video);
        request.put("sha256", sha256(video));
        JsonPath created = create(token, request);
        String id = created.getString("artifact.id");
        StorageKey key = ApiClient.storedKey(created);

        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(409);

        // Right size, wrong bytes: the ticket carries the declared sha256 (checksum-headers), so S3 refuses them itself ...
        byte[] forged = randomBytes(video.length);
        assertThat(put(ticket(created), forged).statusCode()).isEqualTo(400);
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(409);
        // ... and bytes that reached the key some other way, without a checksum, complete must catch.
        providers.get(S3TestResource.PROVIDER).write(key, "video/mp4", forged.length,
                Multi.createFrom().item(ByteBuffer.wrap(forged))).await().indefinitely();
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(422);
        assertThat(providers.get(S3TestResource.PROVIDER).stat(key).await().indefinitely()).isEmpty();

        byte[] shorter = randomBytes(video.length - 1);
        providers.get(S3TestResource.PROVIDER).write(key, "video/mp4", shorter.length,
                Multi.createFrom().item(ByteBuffer.wrap(shorter))).await().indefinitely();
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(422);
        assertThat(providers.get(S3TestResource.PROVIDER).stat(key).await().indefinitely()).isEmpty();

        assertThat(put(ticket(created), video).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200)
                .body("variants[0].sha256", equalTo(sha256(video)));
    }

    @Test
    void explainSaysWhereAnUploadWouldGo() {
        String admin = Tokens.of("mixed", Roles.ADMIN);
        as(admin).body(videoRequest(new byte[1])).post("/api/v1/routing/explain").then().statusCode(200)
                .body("provider", equalTo(S3TestResource.PROVIDER)).body("fallbacks", contains("local"))
                .body("rule", equalTo("videos-to-s3"));
        as(admin).body(imageRequest("b", new byte[1])).post("/api/v1/routing/explain").then().statusCode(200)
                .body("provider", equalTo("local")).body("rule", nullValue());
        as(token).body(imageRequest("b", new byte[1])).post("/api/v1/routing/explain").then().statusCode(403);
    }

    private static Map<String, Object> videoRequest(byte[] data) {
        return new HashMap<>(Map.of("type", "video", "boardId", "clips", "contentType", "video/mp4",
                "size", data.length, "filename", "clip.mp4"));
    }
}
