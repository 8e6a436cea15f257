package io.artifactstore.artifact;

import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.CapturedLogs;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.apache.tika.mime.MediaType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.logging.Level;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.storedKey;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.artifactstore.testing.SignedUrlClient.put;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Magic-byte checks on complete, multipart-free single PUTs and streamed uploads, on local (images)
 * and S3Proxy (videos): bytes that do not look like the declared image/video/audio type are a 422
 * and are deleted; other types are not checked. Runs in its own profile, with the checks on.
 */
@QuarkusTest
@TestProfile(ContentChecksTest.ChecksOn.class)
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ContentChecksTest {

    public static class ChecksOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("artifact-store.content-checks.enabled", "true");
        }
    }

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    private static final byte[] JPEG_MAGIC = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0};
    private static final byte[] MP4_MAGIC = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0};
    private static final byte[] QUICKTIME_MAGIC = {0, 0, 0, 0x14, 'f', 't', 'y', 'p', 'q', 't', ' ', ' ', 0, 0, 2, 0};

    private final String token = Tokens.readerWriter("content-checks");

    @Inject
    ProviderRegistry providers;

    @Test
    void aPngDeclaredAsPngIsAcceptedOnLocal() {
        uploadAndComplete(startingWith(PNG_MAGIC, 20_000), "image", "image/png").then().statusCode(200)
                .body("variants[0].status", equalTo("AVAILABLE"));
    }

    /** The check reads the head of the file and nothing more: no read is cut short, so nothing is logged. */
    @Test
    void checkingLocalObjectsLogsNoError() {
        CapturedLogs logs = CapturedLogs.start();
        try (logs) {
            for (int i = 0; i < 5; i++) {
                uploadAndComplete(startingWith(PNG_MAGIC, 300_000 + i), "image", "image/png").then().statusCode(200);
            }
        }
        assertThat(logs.records()).filteredOn(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())
                .extracting(r -> r.getLoggerName() + ": " + r.getMessage() + " " + r.getThrown()).isEmpty();
    }

    @Test
    void randomBytesOrAJpegDeclaredAsPngAreRejectedAndDeleted() {
        for (byte[] data : new byte[][] {startingWith(new byte[0], 20_000), startingWith(JPEG_MAGIC, 20_000)}) {
            JsonPath created = create(token, request("image", "image/png", data));
            assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
            as(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(422)
                    .contentType("application/problem+json").body("detail", containsString("not the declared image/png"));
            assertThat(stored(created)).as("the rejected object is deleted").isFalse();
        }
    }

    @Test
    void textTypesAreNotChecked() {
        uploadAndComplete(startingWith(new byte[0], 3000), "text", "text/plain").then().statusCode(200);
    }

    @Test
    void anMp4IsAcceptedOnS3AndAQuickTimeFileAsMp4TooButRandomBytesAreRejected() {
        for (byte[] data : new byte[][] {startingWith(MP4_MAGIC, 300_000), startingWith(QUICKTIME_MAGIC, 300_000)}) {
            JsonPath created = create(token, request("video", "video/mp4", data));
            assertThat(created.getString("artifact.variants[0].provider")).isEqualTo(S3TestResource.PROVIDER);
            assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
            as(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(200);
        }
        byte[] noise = startingWith(new byte[0], 300_000);
        JsonPath created = create(token, request("video", "video/mp4", noise));
        assertThat(put(ticket(created), noise).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(422)
                .contentType("application/problem+json");
        assertThat(stored(created)).as("the rejected object is deleted from S3").isFalse();
    }

    @Test
    void aStreamedBodyOfTheWrongTypeIsRejectedAndNothingIsKept() {
        byte[] data = startingWith(JPEG_MAGIC, 5000);
        JsonPath created = create(token, request("image", "image/png", data));
        String id = created.getString("artifact.id");
        given().auth().oauth2(token).contentType("application/octet-stream").body(data)
                .put("/api/v1/artifacts/{id}/content", id).then().statusCode(422).contentType("application/problem+json");
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("variants[0].status", equalTo("PENDING"));

        byte[] png = startingWith(PNG_MAGIC, 5000);
        String good = create(token, request("image", "image/png", png)).getString("artifact.id");
        given().auth().oauth2(token).contentType("application/octet-stream").body(png)
                .put("/api/v1/artifacts/{id}/content", good).then().statusCode(200).body("variants[0].status", equalTo("AVAILABLE"));
    }

    @Test
    void theMatchingRuleAcceptsAliasesParentsAndContainerFamiliesOnly() {
        assertThat(ContentCheck.matches("image/png", ContentCheck.detect(PNG_MAGIC))).isTrue();
        assertThat(ContentCheck.matches("IMAGE/PNG; foo=bar", MediaType.image("png"))).isTrue();
        assertThat(ContentCheck.matches("image/png", ContentCheck.detect(JPEG_MAGIC))).isFalse();
        assertThat(ContentCheck.matches("image/jpeg", ContentCheck.detect(JPEG_MAGIC))).isTrue();
        assertThat(ContentCheck.matches("video/quicktime", ContentCheck.detect(MP4_MAGIC))).isTrue();
        assertThat(ContentCheck.matches("audio/mp4", ContentCheck.detect(MP4_MAGIC))).isTrue();
        assertThat(ContentCheck.matches("video/mp4", ContentCheck.detect(QUICKTIME_MAGIC))).isTrue();
        assertThat(ContentCheck.matches("video/mp4", ContentCheck.detect(PNG_MAGIC))).isFalse();
        assertThat(ContentCheck.matches("image/png", ContentCheck.detect("hello".getBytes(StandardCharsets.UTF_8)))).isFalse();
        assertThat(ContentCheck.matches("image/png", ContentCheck.detect(new byte[0]))).isFalse();
    }

    private io.restassured.response.Response uploadAndComplete(byte[] data, String type, String contentType) {
        JsonPath created = create(token, request(type, contentType, data));
        assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
        return as(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id"));
    }

    private boolean stored(JsonPath created) {
        String provider = created.getString("artifact.variants[0].provider");
        return providers.get(provider).stat(storedKey(created)).await().atMost(Duration.ofSeconds(10)).isPresent();
    }

    private static Map<String, Object> request(String type, String contentType, byte[] data) {
        return new HashMap<>(Map.of("type", type, "boardId", "checks", "contentType", contentType,
                "size", data.length, "filename", "file"));
    }

    /** {@code magic} followed by random bytes (random bytes never start with a known media magic here). */
    private static byte[] startingWith(byte[] magic, int size) {
        byte[] data = new byte[size];
        new Random(size * 31L + magic.length).nextBytes(data);
        data[0] = 0x01; // no media magic starts with 0x01
        System.arraycopy(magic, 0, data, 0, magic.length);
        return data;
    }
}
