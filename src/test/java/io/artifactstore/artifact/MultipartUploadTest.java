package io.artifactstore.artifact;

import io.artifactstore.provider.SignedRequest;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.ConcurrentCalls;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.artifactstore.testing.SignedUrlClient.get;
import static io.artifactstore.testing.SignedUrlClient.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

/**
 * Multipart uploads through the API (README "Large uploads: multipart"), with real part PUTs to the local
 * provider's routes and to S3Proxy (videos are routed to S3 in the tests, images stay local).
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class MultipartUploadTest {

    private static final int MIB = 1 << 20;
    private static final String PROBLEM = "application/problem+json";

    private final String token = Tokens.readerWriter("multipart");

    @TestHTTPResource("/")
    URL base;

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void a30MiBArtifactGoesUpInParallelPartsAndArrivesByteForByte(String type) throws Exception {
        byte[] data = randomBytes(30 * MIB + 1000); // six parts of 5 MiB and a short seventh
        JsonPath created = create(token, request(type, data, true));
        assertThat(created.getString("artifact.variants[0].provider")).isEqualTo(type.equals("video") ? S3TestResource.PROVIDER : "local");
        assertThat(created.getString("upload")).as("no single-PUT ticket").isNull();
        String id = created.getString("artifact.id");

        JsonPath started = start(id);
        assertThat(started.getLong("partSize")).isEqualTo(5L * MIB);
        assertThat(started.getInt("partCount")).isEqualTo(7);
        assertThat(started.getString("expiresAt")).isNotNull();
        String uploadId = started.getString("uploadId");

        List<SignedRequest> urls = sign(id, uploadId, IntStream.rangeClosed(1, 7).boxed().toList());
        List<String> etags = putInParallel(urls, data, 5 * MIB);

        JsonPath held = as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId).then().statusCode(200).extract().jsonPath();
        assertThat(held.getList("parts.partNumber", Integer.class)).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(held.getList("parts.size", Long.class)).containsExactly(5L * MIB, 5L * MIB, 5L * MIB, 5L * MIB, 5L * MIB, 5L * MIB, 1000L);

        complete(id, uploadId, etags).then().statusCode(200)
                .body("status", equalTo("AVAILABLE")).body("variants[0].sha256", equalTo(sha256(data)));
        String url = as(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200).extract().path("url");
        HttpResponse<byte[]> download = get(url);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(data);

        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId).then().statusCode(404).contentType(PROBLEM);
        // A retried complete (its first answer lost) answers the variant its upload completed.
        complete(id, uploadId, etags).then().statusCode(200).body("variants[0].sha256", equalTo(sha256(data)));
    }

    @Test
    void aClientResumesWithTheListOfParts() {
        byte[] data = randomBytes(12 * MIB);
        String id = create(token, request("image", data, true)).getString("artifact.id");
        String uploadId = start(id).getString("uploadId");
        List<SignedRequest> urls = sign(id, uploadId, List.of(1, 2, 3));
        putPart(urls.get(0), data, 1, 5 * MIB);
        putPart(urls.get(2), data, 3, 5 * MIB);

        JsonPath held = as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId).then().statusCode(200).extract().jsonPath();
        assertThat(held.getList("parts.partNumber", Integer.class)).containsExactly(1, 3);
        List<String> etags = new ArrayList<>(held.getList("parts.etag", String.class));
        etags.add(1, putPart(sign(id, uploadId, List.of(2)).get(0), data, 2, 5 * MIB));

        complete(id, uploadId, etags).then().statusCode(200).body("status", equalTo("AVAILABLE"));
    }

    @Test
    void completeNamesEveryPartWithItsEtag() {
        byte[] data = randomBytes(6 * MIB);
        String id = create(token, request("image", data, true)).getString("artifact.id");
        String uploadId = start(id).getString("uploadId");
        List<SignedRequest> urls = sign(id, uploadId, List.of(1, 2));
        String first = putPart(urls.get(0), data, 1, 5 * MIB);

        complete(id, uploadId, List.of(first)).then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("parts"));
        complete(id, uploadId, List.of(first, first)).then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("parts"));
        String second = putPart(urls.get(1), data, 2, 5 * MIB);
        complete(id, uploadId, List.of(second, first)).then().statusCode(400).contentType(PROBLEM);
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("status", equalTo("PENDING"));

        complete(id, uploadId, List.of(first, second)).then().statusCode(200).body("status", equalTo("AVAILABLE"));
    }

    @Test
    void partsOfOtherBytesThanTheDeclaredSha256AreRefused() {
        byte[] data = randomBytes(6 * MIB);
        Map<String, Object> body = request("image", data, true);
        body.put("sha256", sha256(randomBytes(10)));
        String id = create(token, body).getString("artifact.id");
        String uploadId = start(id).getString("uploadId");
        List<SignedRequest> urls = sign(id, uploadId, List.of(1, 2));
        List<String> etags = List.of(putPart(urls.get(0), data, 1, 5 * MIB), putPart(urls.get(1), data, 2, 5 * MIB));

        complete(id, uploadId, etags).then().statusCode(422).contentType(PROBLEM);
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("variants[0].status", equalTo("PENDING"));
    }

    @Test
    void abortRemovesThePartsAndEndsTheUploadId() {
        byte[] data = randomBytes(6 * MIB);
        String id = create(token, request("video", data, true)).getString("artifact.id");
        String uploadId = start(id).getString("uploadId");
        putPart(sign(id, uploadId, List.of(1)).get(0), data, 1, 5 * MIB);

        as(token).delete("/api/v1/artifacts/{id}/multipart/{u}", id, uploadId).then().statusCode(204);

        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId).then().statusCode(404).contentType(PROBLEM);
        signCall(id, uploadId, "{\"partNumbers\":[1]}").then().statusCode(404).contentType(PROBLEM);
        as(token).delete("/api/v1/artifacts/{id}/multipart/{u}", id, uploadId).then().statusCode(404).contentType(PROBLEM);
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("variants[0].status", equalTo("PENDING"));
        assertThat(start(id).getString("uploadId")).as("a new upload may start").isNotEqualTo(uploadId);
    }

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void aNewTicketOrADeleteEndsAnEarlierUploadId(String type) {
        byte[] data = randomBytes(6 * MIB);
        String id = create(token, request(type, data, true)).getString("artifact.id");
        String before = start(id).getString("uploadId");
        List<SignedRequest> urls = sign(id, before, List.of(1, 2));
        String etag = putPart(urls.get(0), data, 1, 5 * MIB);

        Map<String, Object> again = request(type, data, true);
        again.put("artifactId", id);
        create(token, again);

        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, before).then().statusCode(404);
        signCall(id, before, "{\"partNumbers\":[2]}").then().statusCode(404);
        complete(id, before, List.of(etag, etag)).then().statusCode(404);

        String after = start(id).getString("uploadId");
        as(token).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);
        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, after).then().statusCode(404);
        as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(404).contentType(PROBLEM);
    }

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void aVariantHasAtMostFourUploadsOpenEvenWhenStartsRace(String type) {
        String id = create(token, request(type, new byte[6 * MIB], true)).getString("artifact.id");
        ConcurrentCalls calls = new ConcurrentCalls(base.toString(), token);
        for (int i = 0; i < 10; i++) {
            calls.post("/api/v1/artifacts/" + id + "/multipart", null);
        }
        List<HttpResponse<String>> answers = calls.run();
        assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).as(a.body()).isIn(201, 409));
        assertThat(answers.stream().filter(a -> a.statusCode() == 201)).hasSize(4);
        List<String> open = answers.stream().filter(a -> a.statusCode() == 201)
                .map(a -> JsonPath.from(a.body()).getString("uploadId")).toList();

        as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(409).contentType(PROBLEM)
                .body("detail", containsString("4 multipart uploads open"));
        // A retrying worker that lost its upload ids: aborting one makes room for one ...
        as(token).delete("/api/v1/artifacts/{id}/multipart/{u}", id, open.get(0)).then().statusCode(204);
        start(id);
        as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(409).contentType(PROBLEM);
        // ... and a new ticket ends them all: four fresh ones may start.
        Map<String, Object> again = request(type, new byte[6 * MIB], true);
        again.put("artifactId", id);
        create(token, again);
        for (int i = 0; i < 4; i++) {
            start(id);
        }
        as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(409).contentType(PROBLEM);
        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, open.get(1)).then().statusCode(404);
    }

    @Test
    void hostilePartNumbersAreRefusedWithProblems() {
        byte[] data = randomBytes(6 * MIB);
        String id = create(token, request("image", data, true)).getString("artifact.id");
        String uploadId = start(id).getString("uploadId");
        String thousandAndOne = IntStream.rangeClosed(1, 1001).mapToObj(n -> "1").reduce((a, b) -> a + "," + b).orElseThrow();
        for (String body : List.of("{\"partNumbers\":[0]}", "{\"partNumbers\":[10001]}", "{\"partNumbers\":[3]}",
                "{\"partNumbers\":[-1]}", "{\"partNumbers\":[]}", "{}", "{\"partNumbers\":[\"1\"]}", "{\"partNumbers\":[1.5]}",
                "{\"partNumbers\":[\"a\"]}", "{\"partNumbers\":[null]}", "{\"partNumbers\":1}", "{\"partNumbers\":[99999999999]}",
                "{\"partNumbers\":[" + thousandAndOne + "]}", "[1]", "null")) {
            signCall(id, uploadId, body).then().statusCode(400).contentType(PROBLEM);
        }
        for (String body : List.of("{\"parts\":[]}", "{\"parts\":[{\"partNumber\":1}]}", "{\"parts\":[{\"partNumber\":1,\"etag\":\"a\\nb\"}]}",
                "{\"parts\":[{\"partNumber\":\"x\",\"etag\":\"e\"}]}", "{\"parts\":[null]}", "{}")) {
            as(token).body(body).post("/api/v1/artifacts/{id}/multipart/{u}/complete", id, uploadId)
                    .then().statusCode(400).contentType(PROBLEM);
        }
        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, "a..b").then().statusCode(400).contentType(PROBLEM);
        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, "01JD0000000000000000000000").then().statusCode(404).contentType(PROBLEM);
        as(token).post("/api/v1/artifacts/{id}/multipart?variant=../x", id).then().statusCode(400).contentType(PROBLEM);
        as(token).post("/api/v1/artifacts/{id}/multipart?variant=thumbnail", id).then().statusCode(404).contentType(PROBLEM);
        assertThat(sign(id, uploadId, List.of(2, 1, 2))).as("sorted, each once").hasSize(2);
    }

    @Test
    void anotherTenantSeesNoSuchUpload() {
        byte[] data = randomBytes(6 * MIB);
        String id = create(token, request("image", data, true)).getString("artifact.id");
        String uploadId = start(id).getString("uploadId");
        String intruder = Tokens.readerWriter("intruder");

        as(intruder).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(404).contentType(PROBLEM);
        as(intruder).body("{\"partNumbers\":[1]}").post("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId)
                .then().statusCode(404).contentType(PROBLEM);
        as(intruder).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId).then().statusCode(404).contentType(PROBLEM);
        as(intruder).body("{\"parts\":[{\"partNumber\":1,\"etag\":\"e\"},{\"partNumber\":2,\"etag\":\"e\"}]}")
                .post("/api/v1/artifacts/{id}/multipart/{u}/complete", id, uploadId).then().statusCode(404).contentType(PROBLEM);
        as(intruder).delete("/api/v1/artifacts/{id}/multipart/{u}", id, uploadId).then().statusCode(404).contentType(PROBLEM);
        as(Tokens.of("multipart", "artifacts.read")).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(403);
        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId).then().statusCode(200);
    }

    @Test
    void noSinglePutTicketAboveTheProvidersLimit() {
        // The tests' S3 provider takes at most 20 MiB in one PUT (S3TestResource); videos go there.
        Map<String, Object> big = request("video", new byte[0], false);
        big.put("size", 20 * MIB + 1);
        as(token).body(big).post("/api/v1/artifacts").then().statusCode(413).contentType(PROBLEM)
                .body("detail", containsString("multipart"));
        big.put("size", 20 * MIB);
        as(token).body(big).post("/api/v1/artifacts").then().statusCode(201);
        big.put("size", 20 * MIB + 1);
        big.put("multipart", true);
        as(token).body(big).post("/api/v1/artifacts").then().statusCode(201).body("upload", nullValue());
        Map<String, Object> empty = request("image", new byte[0], true);
        as(token).body(empty).post("/api/v1/artifacts").then().statusCode(400).contentType(PROBLEM);
    }

    private static Map<String, Object> request(String type, byte[] data, boolean multipart) {
        Map<String, Object> request = new HashMap<>(Map.of("type", type, "contentType", type.equals("video") ? "video/mp4" : "image/png",
                "size", data.length, "sha256", sha256(data)));
        if (multipart) {
            request.put("multipart", true);
        }
        return request;
    }

    private JsonPath start(String id) {
        return as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(201).extract().jsonPath();
    }

    private io.restassured.response.Response signCall(String id, String uploadId, String body) {
        return as(token).body(body).post("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId);
    }

    private List<SignedRequest> sign(String id, String uploadId, List<Integer> parts) {
        JsonPath signed = signCall(id, uploadId, "{\"partNumbers\":" + parts + "}").then().statusCode(200).extract().jsonPath();
        List<SignedRequest> urls = new ArrayList<>();
        for (int i = 0; i < signed.getList("parts").size(); i++) {
            String at = "parts[" + i + "].";
            assertThat(signed.getString(at + "method")).isEqualTo("PUT");
            Map<String, String> headers = signed.get(at + "headers") == null ? Map.of() : signed.getMap(at + "headers", String.class, String.class);
            urls.add(new SignedRequest("PUT", signed.getString(at + "url"), headers, null));
        }
        return urls;
    }

    private io.restassured.response.Response complete(String id, String uploadId, List<String> etags) {
        List<Map<String, Object>> parts = new ArrayList<>();
        for (int i = 0; i < etags.size(); i++) {
            parts.add(Map.of("partNumber", i + 1, "etag", etags.get(i)));
        }
        return as(token).body(Map.of("parts", parts)).post("/api/v1/artifacts/{id}/multipart/{u}/complete", id, uploadId);
    }

    /** PUTs part {@code n} of {@code data} cut into parts of {@code partSize}; answers the part's ETag. */
    private static String putPart(SignedRequest url, byte[] data, int n, int partSize) {
        int from = (n - 1) * partSize;
        HttpResponse<byte[]> answer = put(url, Arrays.copyOfRange(data, from, Math.min(data.length, from + partSize)));
        assertThat(answer.statusCode()).as("part " + n).isEqualTo(200);
        return answer.headers().firstValue("ETag").orElseThrow();
    }

    private static List<String> putInParallel(List<SignedRequest> urls, byte[] data, int partSize) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> etags = new ArrayList<>();
            for (int i = 0; i < urls.size(); i++) {
                int n = i + 1;
                etags.add(pool.submit(() -> putPart(urls.get(n - 1), data, n, partSize)));
            }
            List<String> done = new ArrayList<>();
            for (Future<String> etag : etags) {
                done.add(etag.get());
            }
            return done;
        } finally {
            pool.shutdownNow();
        }
    }
}
