package io.artifactstore.artifact;

import io.artifactstore.lifecycle.ExpiryReaper;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.ConcurrentCalls;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.S3ProxyServer;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.artifactstore.testing.SignedUrlClient.get;
import static io.artifactstore.testing.SignedUrlClient.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Crash windows of S3 multipart uploads (README "Large uploads: multipart", "Workers: streaming
 * uploads"), against a real S3Proxy: the state a crash leaves between two steps is made for real (the
 * store's own step done without the service's next one, a cleanup that never ran), then the retry or
 * the reaper runs. Multipart completes racing a DELETE answer 200, 404 or 409, never 500.
 */
@QuarkusTest
@TestProfile(StreamingProfile.class)
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class MultipartCrashWindowsTest {

    private static final int MIB = 1 << 20;
    private static final S3AsyncClient[] S3 = new S3AsyncClient[1];

    private final String token = Tokens.readerWriter("crash-windows");

    @TestHTTPResource("/")
    URL base;

    @Inject
    Pool database;

    @Inject
    ProviderRegistry providers;

    @Inject
    ExpiryReaper reaper;

    @AfterEach
    void s3IsBack() {
        S3TestResource.server().start();
        CircuitBreakerMaintenance.get().resetAll();
    }

    @AfterAll
    static void closeClient() {
        if (S3[0] != null) {
            S3[0].close();
        }
    }

    @Test
    void aCompleteRetriedAfterACrashAtAnyPointAnswersTheAvailableVariant() {
        byte[] data = randomBytes(5 * MIB + 1000);
        String id = create(token, videoRequest(data)).getString("artifact.id");
        String uploadId = start(id);
        List<String> etags = putParts(id, uploadId, data);

        // Crash after the store assembled the parts, before the record changed: the store's step alone.
        Map<String, String> row = uploadRow(uploadId);
        List<MultipartUploads.CompletedPart> parts = new ArrayList<>();
        for (int i = 0; i < etags.size(); i++) {
            parts.add(new MultipartUploads.CompletedPart(i + 1, etags.get(i)));
        }
        s3Multipart().completeMultipart(StorageKey.parse(row.get("storage_key")), row.get("provider_upload_id"), parts, data.length, null)
                .await().atMost(Duration.ofSeconds(30));
        complete(id, uploadId, etags).then().statusCode(200)
                .body("status", equalTo("AVAILABLE")).body("variants[0].sha256", equalTo(sha256(data)));

        // Crash after the variant turned available, before the answer reached the client: the same answer again.
        complete(id, uploadId, etags).then().statusCode(200)
                .body("status", equalTo("AVAILABLE")).body("variants[0].sha256", equalTo(sha256(data)));
        assertThat(download(id)).isEqualTo(data);
        assertThat(events(id, "complete")).as("one change, one event").isEqualTo(1);
        assertThat(storeUploads(id)).as("nothing left on the store").isEmpty();

        // The upload id ends with its variant's version: after a delete, 404.
        as(token).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);
        complete(id, uploadId, etags).then().statusCode(404);
        assertThat(rows("SELECT count(*) FROM multipart_uploads WHERE artifact_id = $1", id)).isZero();
    }

    @Test
    void multipartCompletesRacingADeleteAnswer200Or404Or409AndLeaveNothingBehind() {
        for (int round = 0; round < 6; round++) {
            byte[] data = randomBytes(5 * MIB + 1000);
            String id = create(token, videoRequest(data)).getString("artifact.id");
            String uploadId = start(id);
            String body = completeBody(putParts(id, uploadId, data));
            String path = "/api/v1/artifacts/" + id + "/multipart/" + uploadId + "/complete";

            List<HttpResponse<String>> answers = new ConcurrentCalls(base.toString(), token)
                    .post(path, body).post(path, body).delete("/api/v1/artifacts/" + id).post(path, body)
                    .run();

            assertThat(answers.get(2).statusCode()).as("delete").isEqualTo(204);
            for (HttpResponse<String> answer : answers) {
                assertThat(answer.statusCode()).as(answer.body()).isIn(200, 204, 404, 409);
                if (answer.statusCode() == 409) {
                    assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                }
            }
            as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(404);
            assertThat(rows("SELECT count(*) FROM artifact_variants WHERE artifact_id = $1", id)).isZero();
            assertThat(storeUploads(id)).as("no upload left on the store").isEmpty();
            // Bytes a complete assembled after the delete are tombstoned, so no object outlives its record.
            if (storeObjects(id) > 0) {
                assertThat(rows("SELECT count(*) FROM object_tombstones WHERE storage_key LIKE '%' || $1 || '%'", id))
                        .as("a tombstone for the assembled object").isPositive();
            }
        }
    }

    @Test
    void aStartCutShortAfterTheStoreStartedItIsAbortedByTheReaperAndNoOtherUploadOfItsVariant() {
        byte[] data = randomBytes(5 * MIB + 1000);
        String id = create(token, videoRequest(data)).getString("artifact.id");
        String kept = start(id); // another upload of the variant, at the same key: it must survive
        Map<String, String> keptRow = uploadRow(kept);
        StorageKey key = StorageKey.parse(keptRow.get("storage_key"));

        // The crash: the row written before the store's start, the start done, its id never recorded; ten minutes ago.
        String lost = s3Multipart().startMultipart(key, "video/mp4", data.length).await().atMost(Duration.ofSeconds(30));
        insertStarting(Ulid.next(), kept, Instant.now().minus(Duration.ofMinutes(10)));
        // And a start in flight now: its row written, the store's upload started, the id not recorded yet.
        String inFlight = Ulid.next();
        insertStarting(inFlight, kept, Instant.now());
        String inFlightUpload = s3Multipart().startMultipart(key, "video/mp4", data.length).await().atMost(Duration.ofSeconds(30));

        // A starting upload counts among the variant's four: two more may start, not three.
        start(id);
        start(id);
        as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(409)
                .body("detail", org.hamcrest.Matchers.containsString("4 multipart uploads open"));
        List<String> before = storeUploadIds(id);
        assertThat(before).hasSize(5).contains(lost, inFlightUpload, keptRow.get("provider_upload_id"));

        // While a start may be in flight at the key, its upload cannot be told from the lost one: nothing is aborted.
        reaper.reapDue(Instant.now()).await().atMost(Duration.ofSeconds(60));
        assertThat(storeUploadIds(id)).containsExactlyInAnyOrderElementsOf(before);

        // The start in flight records its id; the next round after the lease aborts exactly the lost upload.
        database.preparedQuery("UPDATE multipart_uploads SET provider_upload_id = $1, expires_at = $2 WHERE id = $3")
                .execute(Tuple.of(inFlightUpload, Instant.now().plus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC), inFlight))
                .await().atMost(Duration.ofSeconds(10));
        Instant afterLease = Instant.now().plus(ExpiryReaper.LEASE).plus(Duration.ofMinutes(1));
        awaitTrue("the lost upload aborted", () -> {
            reaper.reapDue(afterLease).await().atMost(Duration.ofSeconds(60));
            return !storeUploadIds(id).contains(lost);
        });
        assertThat(storeUploadIds(id)).containsExactlyInAnyOrderElementsOf(before.stream().filter(u -> !u.equals(lost)).toList());
        assertThat(rows("SELECT count(*) FROM multipart_uploads WHERE artifact_id = $1 AND provider_upload_id IS NULL", id))
                .as("the starting row forgotten").isZero();
        assertThat(events(id, "expire")).as("the abort recorded").isEqualTo(1);

        // The recorded upload still completes.
        complete(id, kept, putParts(id, kept, data)).then().statusCode(200)
                .body("status", equalTo("AVAILABLE")).body("variants[0].sha256", equalTo(sha256(data)));
        assertThat(download(id)).isEqualTo(data);
        assertThat(storeUploads(id)).as("the others aborted as the variant moved on").isEmpty();
    }

    @Test
    void aStreamedUploadCutShortIsRecordedAndTheReaperAbortsItsParts() throws Exception {
        int size = 2 * StreamingProfile.PART_SIZE + 12_345; // S3 multipart: the first part is sent while the body streams
        byte[] data = randomBytes(size);
        String id = create(token, Map.of("type", "video", "contentType", "video/mp4", "size", size)).getString("artifact.id");
        try (RawHttp raw = RawHttp.open(RestAssured.port)) {
            raw.send("PUT /api/v1/artifacts/" + id + "/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: video/mp4\r\nContent-Length: " + size + "\r\n\r\n");
            raw.send(Arrays.copyOfRange(data, 0, StreamingProfile.PART_SIZE + 1024));
            awaitTrue("a part on the store", () -> !storeUploads(id).isEmpty());
            // The service's cleanup cannot reach the store: as after a crash, nothing aborts the upload now.
            S3TestResource.server().stop();
            try {
                raw.send(Arrays.copyOfRange(data, StreamingProfile.PART_SIZE + 1024, size));
            } catch (RuntimeException closedUnderUs) {
                // the server may answer and close first
            }
            raw.read(Duration.ofSeconds(60));
        }
        awaitTrue("the write recorded", () -> rows("SELECT count(*) FROM multipart_uploads WHERE artifact_id = $1", id) == 1);
        S3TestResource.server().start();
        CircuitBreakerMaintenance.get().resetAll();
        assertThat(storeUploads(id)).as("the abandoned upload").isNotEmpty();

        reaper.reapDue(Instant.now().plus(Duration.ofDays(2))).await().atMost(Duration.ofSeconds(60));

        assertThat(storeUploads(id)).as("aborted by the reaper").isEmpty();
        assertThat(rows("SELECT count(*) FROM multipart_uploads WHERE artifact_id = $1", id)).isZero();
        // The variant awaits its bytes again (expired now, as the reaper ran two days on): a new ticket, a new stream.
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200);
    }

    @Test
    void aStreamedUploadThatCompletesLeavesNoRecordOfItsParts() {
        int size = 2 * StreamingProfile.PART_SIZE + 12_345;
        byte[] data = randomBytes(size);
        String id = create(token, Map.of("type", "video", "contentType", "video/mp4", "size", size)).getString("artifact.id");
        as(token).contentType("video/mp4").body(data).put("/api/v1/artifacts/{id}/content", id).then().statusCode(200)
                .body("variants[0].status", equalTo("AVAILABLE"));
        assertThat(download(id)).isEqualTo(data);
        assertThat(rows("SELECT count(*) FROM multipart_uploads WHERE artifact_id = $1", id)).isZero();
        assertThat(storeUploads(id)).isEmpty();
    }

    private static Map<String, Object> videoRequest(byte[] data) {
        Map<String, Object> request = new HashMap<>(Map.of("type", "video", "contentType", "video/mp4", "size", data.length,
                "sha256", sha256(data), "multipart", true));
        return request;
    }

    private String start(String id) {
        return as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(201).extract().path("uploadId");
    }

    /** Signs and PUTs every part (5 MiB each, the last the rest); answers their ETags. */
    private List<String> putParts(String id, String uploadId, byte[] data) {
        int count = (data.length + 5 * MIB - 1) / (5 * MIB);
        List<Integer> numbers = new ArrayList<>();
        for (int n = 1; n <= count; n++) {
            numbers.add(n);
        }
        JsonPath signed = as(token).body("{\"partNumbers\":" + numbers + "}")
                .post("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId).then().statusCode(200).extract().jsonPath();
        List<String> etags = new ArrayList<>();
        for (int n = 1; n <= count; n++) {
            String at = "parts[" + (n - 1) + "].";
            Map<String, String> headers = signed.get(at + "headers") == null ? Map.of() : signed.getMap(at + "headers", String.class, String.class);
            int from = (n - 1) * 5 * MIB;
            HttpResponse<byte[]> answer = put(new SignedRequest("PUT", signed.getString(at + "url"), headers, null),
                    Arrays.copyOfRange(data, from, Math.min(data.length, from + 5 * MIB)));
            assertThat(answer.statusCode()).isEqualTo(200);
            etags.add(answer.headers().firstValue("ETag").orElseThrow());
        }
        return etags;
    }

    private static String completeBody(List<String> etags) {
        StringBuilder body = new StringBuilder("{\"parts\":[");
        for (int i = 0; i < etags.size(); i++) {
            body.append(i == 0 ? "" : ",").append("{\"partNumber\":").append(i + 1).append(",\"etag\":\"")
                    .append(etags.get(i).replace("\"", "\\\"")).append("\"}");
        }
        return body.append("]}").toString();
    }

    private io.restassured.response.Response complete(String id, String uploadId, List<String> etags) {
        return as(token).body(completeBody(etags)).post("/api/v1/artifacts/{id}/multipart/{u}/complete", id, uploadId);
    }

    private byte[] download(String id) {
        String url = as(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200).extract().path("url");
        HttpResponse<byte[]> answer = get(url);
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer.body();
    }

    private MultipartUploads s3Multipart() {
        return providers.get(S3TestResource.PROVIDER).ability(MultipartUploads.class).orElseThrow();
    }

    private Map<String, String> uploadRow(String uploadId) {
        Row row = database.preparedQuery("SELECT storage_key, provider_upload_id FROM multipart_uploads WHERE id = $1")
                .execute(Tuple.of(uploadId)).await().atMost(Duration.ofSeconds(10)).iterator().next();
        return Map.of("storage_key", row.getString("storage_key"), "provider_upload_id", row.getString("provider_upload_id"));
    }

    /** The multipart uploads S3Proxy holds under the artifact's keys, as its ListMultipartUploads answers. */
    private static List<MultipartUpload> storeUploads(String artifactId) {
        return s3().listMultipartUploads(r -> r.bucket(S3TestResource.BUCKET)).join().uploads().stream()
                .filter(upload -> upload.key().contains(artifactId)).toList();
    }

    private static List<String> storeUploadIds(String artifactId) {
        return storeUploads(artifactId).stream().map(MultipartUpload::uploadId).toList();
    }

    /**
     * A row as a start writes it before the store starts its upload (no store id), of the variant and
     * key of {@code likeUpload}, written at {@code createdAt}, its start window five minutes long.
     */
    private void insertStarting(String uploadId, String likeUpload, Instant createdAt) {
        database.preparedQuery("""
                        INSERT INTO multipart_uploads (id, tenant_id, artifact_id, variant, provider, storage_key, provider_upload_id,
                            size, part_size, part_count, created_at, expires_at)
                        SELECT $1, tenant_id, artifact_id, variant, provider, storage_key, NULL, size, part_size, part_count, $2, $3
                        FROM multipart_uploads WHERE id = $4""")
                .execute(Tuple.of(uploadId, createdAt.atOffset(ZoneOffset.UTC),
                        createdAt.plus(Duration.ofMinutes(5)).atOffset(ZoneOffset.UTC), likeUpload))
                .await().atMost(Duration.ofSeconds(10));
    }

    private static long storeObjects(String artifactId) {
        return s3().listObjectsV2(r -> r.bucket(S3TestResource.BUCKET)).join().contents().stream()
                .filter(object -> object.key().contains(artifactId)).count();
    }

    private static synchronized S3AsyncClient s3() {
        if (S3[0] == null) {
            S3[0] = S3AsyncClient.builder().endpointOverride(URI.create(S3TestResource.server().endpoint()))
                    .region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                    .build();
        }
        return S3[0];
    }

    private long rows(String sql, String parameter) {
        return database.preparedQuery(sql).execute(Tuple.of(parameter)).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }

    private long events(String artifactId, String action) {
        return database.preparedQuery("SELECT count(*) FROM audit_events WHERE artifact_id = $1 AND action = $2")
                .execute(Tuple.of(artifactId, action)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting until " + what).isBefore(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
