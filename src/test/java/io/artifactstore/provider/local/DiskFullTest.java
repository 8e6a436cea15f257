package io.artifactstore.provider.local;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.CapturedLogs;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.TmpfsVolume;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * No byte is acknowledged that was not stored: the local provider on a real, small file system (a
 * tmpfs, {@link TmpfsVolume}) that the test fills up or makes read-only. Every way of adding bytes (a
 * signed PUT, part PUTs and the multipart complete, a streamed upload) answers 507 on a full volume
 * and 503 on a read-only one, keeps nothing, leaves the variant PENDING, and works once the volume
 * can take the bytes again; what is acknowledged then is downloaded byte for byte.
 */
@QuarkusTest
@TestProfile(DiskFullTest.OnTmpfs.class)
@QuarkusTestResource(ArtifactStoreTestResource.class)
class DiskFullTest {

    private static final int KIB = 1 << 10;
    private static final int MIB = 1 << 20;
    private static final String PROBLEM = "application/problem+json";

    /** Uploads go to the tmpfs provider. */
    public static class OnTmpfs implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("artifact-store.routing.default-provider", TmpfsVolume.PROVIDER);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TmpfsVolume.class));
        }
    }

    private final String token = Tokens.readerWriter("disk-full");
    private Path root;
    private CapturedLogs logs;

    @BeforeEach
    void onTmpfs() {
        root = Path.of(ConfigProvider.getConfig().getValue(TmpfsVolume.ROOT_KEY, String.class));
        assumeTrue(TmpfsVolume.isMounted(root), "no tmpfs could be mounted (needs root; required when CI=true)");
        logs = CapturedLogs.start();
    }

    @AfterEach
    void volumeBackToNormal() {
        if (logs == null) {
            return;
        }
        logs.close();
        TmpfsVolume.readOnly(root, false);
        TmpfsVolume.free(root);
        assertThat(logs.records()).as("no dropped failure, no error logged")
                .noneMatch(r -> String.valueOf(r.getMessage()).contains("had to drop") || r.getLevel().intValue() >= Level.SEVERE.intValue());
    }

    @Test
    void aSignedPutOnAFullVolumeAnswers507KeepsNothingAndPassesOnceSpaceIsFreed() {
        byte[] data = randomBytes(MIB);
        JsonPath ticket = create(data, false);
        String id = ticket.getString("artifact.id");
        Set<Path> before = storedFiles();

        TmpfsVolume.fill(root, 256 * KIB);
        HttpResponse<byte[]> refused = put(ticket, data);
        assertThat(refused.statusCode()).as(new String(refused.body())).isEqualTo(507);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue(PROBLEM);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(storedFiles()).as("nothing at the key, nothing in .incoming").isEqualTo(before);
        as().post("/api/v1/artifacts/{id}/complete", id).then().statusCode(409).contentType(PROBLEM);
        as().get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("variants[0].status", equalTo("PENDING"));

        TmpfsVolume.free(root);
        HttpResponse<byte[]> stored = put(ticket, data);
        assertThat(stored.statusCode()).as(new String(stored.body())).isEqualTo(200);
        assertThat(stored.headers().firstValue("ETag")).hasValue('"' + sha256(data) + '"');
        as().post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200)
                .body("status", equalTo("AVAILABLE")).body("variants[0].sha256", equalTo(sha256(data)));
        assertThat(downloaded(id)).isEqualTo(data);
    }

    @Test
    void partPutsAndTheMultipartCompleteOnAFullVolumeAnswer507AndCanBeSentAgainOnceSpaceIsFreed() {
        byte[] data = randomBytes(5 * MIB + 300 * KIB);
        String id = create(data, true).getString("artifact.id");
        String uploadId = as().post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(201).extract().path("uploadId");
        List<Map<String, Object>> urls = as().body("{\"partNumbers\":[1,2]}").post("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId)
                .then().statusCode(200).extract().jsonPath().getList("parts");
        byte[] first = java.util.Arrays.copyOfRange(data, 0, 5 * MIB);
        byte[] second = java.util.Arrays.copyOfRange(data, 5 * MIB, data.length);
        Set<Path> before = storedFiles();

        TmpfsVolume.fill(root, MIB);
        HttpResponse<byte[]> refused = putPart(urls.get(0), first);
        assertThat(refused.statusCode()).as(new String(refused.body())).isEqualTo(507);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue(PROBLEM);
        assertThat(storedFiles()).as("no part kept, nothing in .incoming").isEqualTo(before);
        assertThat(heldParts(id, uploadId)).isEmpty();

        TmpfsVolume.free(root);
        List<String> etags = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> part = putPart(urls.get(i), i == 0 ? first : second);
            assertThat(part.statusCode()).as(new String(part.body())).isEqualTo(200);
            assertThat(part.headers().firstValue("ETag")).hasValue('"' + sha256(i == 0 ? first : second) + '"');
            etags.add(part.headers().firstValue("ETag").orElseThrow());
        }
        Set<Path> withParts = storedFiles();

        TmpfsVolume.fill(root, 2 * MIB); // the parts are stored; the assembled object does not fit
        completeMultipart(id, uploadId, etags).then().statusCode(507).contentType(PROBLEM);
        assertThat(storedFiles()).as("nothing assembled at the key, nothing in .incoming").isEqualTo(withParts);
        as().get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("variants[0].status", equalTo("PENDING"));
        assertThat(heldParts(id, uploadId)).containsExactly(1, 2);

        TmpfsVolume.free(root);
        completeMultipart(id, uploadId, etags).then().statusCode(200)
                .body("status", equalTo("AVAILABLE")).body("variants[0].sha256", equalTo(sha256(data)));
        assertThat(downloaded(id)).isEqualTo(data);
    }

    @Test
    void aStreamedUploadOnAFullVolumeAnswers507LeavesThePendingVariantAndPassesOnceSpaceIsFreed() {
        byte[] data = randomBytes(MIB);
        String id = create(data, false).getString("artifact.id");
        Set<Path> before = storedFiles();

        TmpfsVolume.fill(root, 256 * KIB);
        stream(id, data).then().statusCode(507).contentType(PROBLEM);
        assertThat(storedFiles()).as("nothing stored, nothing in .incoming").isEqualTo(before);
        as().get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                .body("status", equalTo("PENDING")).body("variants[0].status", equalTo("PENDING"));

        TmpfsVolume.free(root);
        stream(id, data).then().statusCode(200)
                .body("status", equalTo("AVAILABLE")).body("variants[0].sha256", equalTo(sha256(data)));
        assertThat(downloaded(id)).isEqualTo(data);
    }

    @Test
    void aReadOnlyVolumeAnswers503AndUploadsPassOnceItIsWritableAgain() {
        byte[] data = randomBytes(100 * KIB);
        JsonPath ticket = create(data, false);
        String id = ticket.getString("artifact.id");
        String streamedId = create(data, false).getString("artifact.id");
        Set<Path> before = storedFiles();

        TmpfsVolume.readOnly(root, true);
        HttpResponse<byte[]> refused = put(ticket, data);
        assertThat(refused.statusCode()).as(new String(refused.body())).isEqualTo(503);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue(PROBLEM);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        stream(streamedId, data).then().statusCode(503).contentType(PROBLEM);
        as().get("/api/v1/artifacts/{id}", streamedId).then().statusCode(200).body("variants[0].status", equalTo("PENDING"));

        TmpfsVolume.readOnly(root, false);
        assertThat(storedFiles()).isEqualTo(before);
        assertThat(put(ticket, data).statusCode()).isEqualTo(200);
        as().post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200).body("status", equalTo("AVAILABLE"));
        stream(streamedId, data).then().statusCode(200).body("status", equalTo("AVAILABLE"));
        assertThat(downloaded(id)).isEqualTo(data);
        assertThat(downloaded(streamedId)).isEqualTo(data);
    }

    private RequestSpecification as() {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    private JsonPath create(byte[] data, boolean multipart) {
        Map<String, Object> body = new HashMap<>(Map.of("type", "image", "boardId", "tmpfs", "contentType", "image/png",
                "size", data.length, "sha256", sha256(data)));
        if (multipart) {
            body.put("multipart", true);
        }
        JsonPath created = as().body(body).post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
        assertThat(created.getString("artifact.variants[0].provider")).isEqualTo(TmpfsVolume.PROVIDER);
        return created;
    }

    private static HttpResponse<byte[]> put(JsonPath ticket, byte[] data) {
        return SignedUrlClient.put(ticket.getString("upload.url"), ticket.getMap("upload.headers", String.class, String.class), data);
    }

    @SuppressWarnings("unchecked")
    private static HttpResponse<byte[]> putPart(Map<String, Object> part, byte[] data) {
        Map<String, String> headers = part.get("headers") == null ? Map.of() : (Map<String, String>) part.get("headers");
        return SignedUrlClient.put((String) part.get("url"), headers, data);
    }

    private Response stream(String id, byte[] data) {
        return given().auth().oauth2(token).contentType("application/octet-stream").body(data).put("/api/v1/artifacts/{id}/content", id);
    }

    private Response completeMultipart(String id, String uploadId, List<String> etags) {
        List<Map<String, Object>> parts = new ArrayList<>();
        for (int i = 0; i < etags.size(); i++) {
            parts.add(Map.of("partNumber", i + 1, "etag", etags.get(i)));
        }
        return as().body(Map.of("parts", parts)).post("/api/v1/artifacts/{id}/multipart/{u}/complete", id, uploadId);
    }

    private List<Integer> heldParts(String id, String uploadId) {
        return as().get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId).then().statusCode(200)
                .extract().jsonPath().getList("parts.partNumber", Integer.class);
    }

    private byte[] downloaded(String id) {
        String url = as().get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200).extract().path("url");
        HttpResponse<byte[]> download = SignedUrlClient.get(url);
        assertThat(download.statusCode()).isEqualTo(200);
        return download.body();
    }

    /** Every file under the provider's root, the ballast aside: stored objects, parts and temp files. */
    private Set<Path> storedFiles() {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).filter(f -> !TmpfsVolume.isBallast(f)).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
