package io.artifactstore.artifact;

import io.artifactstore.lifecycle.ExpiryReaper;
import io.artifactstore.lifecycle.TombstoneSweeper;
import io.artifactstore.core.StorageKey;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.ConcurrentCalls;
import io.artifactstore.testing.MovableClock;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Multi;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.storedKey;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.artifactstore.testing.SignedUrlClient.get;
import static io.artifactstore.testing.SignedUrlClient.put;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replacing the bytes of an AVAILABLE variant ({@code "replace": true}): the verified bytes stay
 * downloadable until the new ones are verified, a failed check keeps them, and once replaced the
 * old object is deleted at once: URLs handed out for it answer 404. Images go to the local
 * provider, videos to S3 through S3Proxy.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ReplaceVariantTest {

    private static final int ROUNDS = 8;
    private static final int MIB = 1 << 20;
    private final String token = Tokens.readerWriter("replace");

    @TestHTTPResource("/")
    URL base;

    @Inject
    ProviderRegistry providers;

    @Inject
    TombstoneSweeper sweeper;

    @Inject
    MovableClock clock;

    @Inject
    ExpiryReaper reaper;

    @Inject
    Pool database;

    @AfterEach
    void realTime() {
        clock.reset();
    }

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void theOldBytesServeUntilTheNewOnesAreVerifiedThenGo(String type) {
        byte[] old = randomBytes(4000);
        JsonPath first = uploaded(type, old);
        String id = first.getString("artifact.id");
        byte[] fresh = randomBytes(6000);

        JsonPath replacing = create(token, replaceRequest(type, id, fresh));
        assertThat(replacing.getString("artifact.variants[0].status")).isEqualTo("AVAILABLE");
        assertThat(replacing.getString("artifact.variants[0].version")).as("the record still names the verified version")
                .isEqualTo(first.getString("artifact.variants[0].version"));
        assertDownloads(id, old);
        String oldUrl = downloadUrl(id);
        assertThat(put(ticket(replacing), fresh).statusCode()).isEqualTo(200);
        assertDownloads(id, old); // uploaded, not yet verified
        assertThat(get(oldUrl).body()).isEqualTo(old);

        JsonPath done = as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200).extract().jsonPath();

        assertThat(done.getString("variants[0].status")).isEqualTo("AVAILABLE");
        assertThat(done.getLong("variants[0].size")).isEqualTo(fresh.length);
        assertDownloads(id, fresh);
        assertThat(get(oldUrl).statusCode()).as("a URL of the replaced bytes, once the new ones are verified").isEqualTo(404);
        assertThat(stored(type, storedKey(first))).as("the replaced bytes, before any sweep").isFalse();
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200); // again: no change
        assertDownloads(id, fresh);
        clock.advance(Duration.ofDays(8)); // past every URL handed out for the old version
        sweeper.sweepDue(clock.instant()).await().atMost(Duration.ofSeconds(30));
        assertThat(stored(type, storedKey(first))).as("the replaced bytes").isFalse();
        assertDownloads(id, fresh);
    }

    @Test
    void withoutReplaceAnAvailableVariantKeepsItsBytes() {
        byte[] old = randomBytes(1000);
        String id = uploaded("image", old).getString("artifact.id");
        Map<String, Object> again = replaceRequest("image", id, randomBytes(1000));
        again.remove("replace");

        as(token).body(again).post("/api/v1/artifacts").then().statusCode(409)
                .contentType("application/problem+json");

        assertDownloads(id, old);
    }

    @Test
    void aReplacementThatFailsItsCheckKeepsTheVerifiedBytes() {
        byte[] old = randomBytes(3000);
        String id = uploaded("image", old).getString("artifact.id");
        byte[] declared = randomBytes(3000);
        create(token, replaceRequest("image", id, declared));
        // Other bytes of the declared size land where the ticket writes (the local PUT would refuse them itself).
        StorageKey replacementKey = StorageKey.parse(replacementKey(id));
        providers.get("local").write(replacementKey, "image/png", 3000, Multi.createFrom().item(ByteBuffer.wrap(randomBytes(3000))))
                .await().atMost(Duration.ofSeconds(10));

        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(422).contentType("application/problem+json");

        assertDownloads(id, old);
        assertThat(stored("image", replacementKey)).as("the rejected bytes").isFalse();
        assertThat(as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).extract().jsonPath()
                .getString("variants[0].sha256")).isEqualTo(sha256(old));
    }

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void aStreamedReplacementSwapsInOneCall(String type) {
        byte[] old = randomBytes(2000);
        String id = uploaded(type, old).getString("artifact.id");
        byte[] fresh = randomBytes(2500);
        create(token, replaceRequest(type, id, fresh));
        String oldUrl = downloadUrl(id);

        given().auth().oauth2(token).contentType("application/octet-stream").body(fresh)
                .put("/api/v1/artifacts/{id}/content", id).then().statusCode(200);

        assertDownloads(id, fresh);
        assertThat(get(oldUrl).statusCode()).as("a URL of the replaced bytes").isEqualTo(404);
        // Without a replacement ticket the variant takes no more streamed bytes.
        given().auth().oauth2(token).contentType("application/octet-stream").body(fresh)
                .put("/api/v1/artifacts/{id}/content", id).then().statusCode(409);
    }

    @Test
    void aReplacementWhoseTicketExpiredIsDroppedAndItsBytesGo() {
        byte[] old = randomBytes(1200);
        String id = uploaded("image", old).getString("artifact.id");
        byte[] fresh = randomBytes(1300);
        JsonPath replacing = create(token, replaceRequest("image", id, fresh));
        assertThat(put(ticket(replacing), fresh).statusCode()).isEqualTo(200);
        StorageKey replacementKey = StorageKey.parse(replacementKey(id));

        clock.advance(Duration.ofMinutes(90)); // past the ticket's 15 minutes and the pending grace
        reaper.reapDue(clock.instant()).await().atMost(Duration.ofSeconds(60));

        assertThat(replacementKey(id)).isNull();
        assertThat(stored("image", replacementKey)).as("the never completed replacement").isFalse();
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200); // nothing pending: unchanged
        clock.reset();
        assertDownloads(id, old);
    }

    /**
     * A complete of a replacement racing a new replacement ticket and a second complete, many
     * times: whichever wins, the record names bytes that hash to its sha256, and never a 5xx.
     */
    @Test
    void replaceAndCompleteRacesEndWithARecordThatAgreesWithItsBytes() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            byte[] old = randomBytes(1500);
            String id = uploaded("image", old).getString("artifact.id");
            byte[] fresh = randomBytes(1700);
            JsonPath replacing = create(token, replaceRequest("image", id, fresh));
            assertThat(put(ticket(replacing), fresh).statusCode()).isEqualTo(200);
            String newer = new io.vertx.core.json.JsonObject(replaceRequest("image", id, randomBytes(1800))).encode();

            List<HttpResponse<String>> answers = new ConcurrentCalls(base.toString(), token)
                    .post("/api/v1/artifacts/" + id + "/complete", null)
                    .post("/api/v1/artifacts", newer)
                    .post("/api/v1/artifacts/" + id + "/complete", null)
                    .run();

            answers.forEach(answer -> assertThat(answer.statusCode()).as(answer.body()).isLessThan(500));
            assertThat(answers.get(1).statusCode()).isEqualTo(201);
            JsonPath record = as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).extract().jsonPath();
            assertThat(record.getString("variants[0].status")).isEqualTo("AVAILABLE");
            byte[] served = download(id);
            assertThat(record.getString("variants[0].sha256")).isEqualTo(sha256(served));
            assertThat(record.getLong("variants[0].size")).isEqualTo(served.length);
            boolean completed = answers.get(0).statusCode() == 200 || answers.get(2).statusCode() == 200;
            assertThat(served).as("served the new bytes iff a complete succeeded").isEqualTo(completed ? fresh : old);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void aMultipartReplacementServesTheOldBytesUntilItIsCompletedThenTheOldOnesGo(String type) {
        byte[] old = randomBytes(4000);
        JsonPath first = uploaded(type, old);
        String id = first.getString("artifact.id");
        byte[] fresh = randomBytes(6 * MIB + 100); // two parts

        JsonPath replacing = create(token, multipartReplaceRequest(type, id, fresh));
        assertThat(replacing.getString("upload")).as("no single-PUT ticket").isNull();
        assertThat(replacing.getString("artifact.variants[0].version")).isEqualTo(first.getString("artifact.variants[0].version"));
        JsonPath started = startMultipart(id);
        assertThat(started.getInt("partCount")).isEqualTo(2);
        String uploadId = started.getString("uploadId");
        List<String> etags = putParts(id, uploadId, fresh, started.getInt("partSize"));
        assertDownloads(id, old); // every part uploaded, not yet assembled nor verified
        String oldUrl = downloadUrl(id);

        completeMultipart(id, uploadId, etags).then().statusCode(200)
                .body("variants[0].status", org.hamcrest.Matchers.equalTo("AVAILABLE"))
                .body("variants[0].sha256", org.hamcrest.Matchers.equalTo(sha256(fresh)));

        assertDownloads(id, fresh);
        assertThat(get(oldUrl).statusCode()).as("a URL of the replaced bytes").isEqualTo(404);
        assertThat(replacementKey(id)).isNull();
        clock.advance(Duration.ofDays(8)); // past every URL handed out for the old version
        sweeper.sweepDue(clock.instant()).await().atMost(Duration.ofSeconds(30));
        assertThat(stored(type, storedKey(first))).as("the replaced bytes").isFalse();
        assertDownloads(id, fresh);
    }

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void anAbortedOrExpiredMultipartReplacementKeepsTheOldBytes(String type) {
        byte[] old = randomBytes(3000);
        JsonPath first = uploaded(type, old);
        String id = first.getString("artifact.id");
        byte[] fresh = randomBytes(6 * MIB);
        create(token, multipartReplaceRequest(type, id, fresh));

        String aborted = startMultipart(id).getString("uploadId");
        putPart(sign(id, aborted, 1), Arrays.copyOfRange(fresh, 0, 5 * MIB));
        as(token).delete("/api/v1/artifacts/{id}/multipart/{u}", id, aborted).then().statusCode(204);
        assertDownloads(id, old);

        JsonPath started = startMultipart(id);
        String abandoned = started.getString("uploadId");
        putPart(sign(id, abandoned, 1), Arrays.copyOfRange(fresh, 0, 5 * MIB));
        clock.advance(Duration.ofHours(26)); // past the multipart upload's 24 h and the pending grace
        reaper.reapDue(clock.instant()).await().atMost(Duration.ofSeconds(60));
        clock.reset();

        assertThat(replacementKey(id)).as("the expired replacement is dropped").isNull();
        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, abandoned).then().statusCode(404);
        assertThat(multipartRows(id)).as("the multipart upload is aborted").isZero();
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                .body("variants[0].sha256", org.hamcrest.Matchers.equalTo(sha256(old)));
        assertDownloads(id, old);
    }

    @Test
    void aNewReplaceTicketEndsAMultipartReplacementInFlight() {
        byte[] old = randomBytes(2000);
        String id = uploaded("image", old).getString("artifact.id");
        byte[] fresh = randomBytes(6 * MIB);
        create(token, multipartReplaceRequest("image", id, fresh));
        String earlier = startMultipart(id).getString("uploadId");
        String etag = putPart(sign(id, earlier, 1), Arrays.copyOfRange(fresh, 0, 5 * MIB));

        byte[] other = randomBytes(2500);
        JsonPath replacing = create(token, replaceRequest("image", id, other));

        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, earlier).then().statusCode(404);
        completeMultipart(id, earlier, List.of(etag, etag)).then().statusCode(404);
        assertThat(multipartRows(id)).isZero();
        assertDownloads(id, old);
        assertThat(put(ticket(replacing), other).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        assertDownloads(id, other);
    }

    /**
     * A delete racing the multipart complete of a replacement, many times, landing at every stage of
     * the complete (from before it starts to after the swap): whichever wins, nothing answers 5xx,
     * the artifact is gone, and once the sweeper has run no byte of it is left.
     */
    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void deleteRacingTheMultipartCompleteOfAReplacementLeavesRecordsAndBytesInAgreement(String type) throws Exception {
        List<StorageKey> keys = new java.util.ArrayList<>();
        java.util.concurrent.ExecutorService completing = java.util.concurrent.Executors.newSingleThreadExecutor();
        for (int round = 0; round < ROUNDS; round++) {
            byte[] old = randomBytes(1500);
            JsonPath first = uploaded(type, old);
            String id = first.getString("artifact.id");
            byte[] fresh = randomBytes(1700); // one part
            create(token, multipartReplaceRequest(type, id, fresh));
            String uploadId = startMultipart(id).getString("uploadId");
            String etag = putPart(sign(id, uploadId, 1), fresh);
            keys.add(storedKey(first));
            keys.add(StorageKey.parse(replacementKey(id)));

            java.util.concurrent.Future<io.restassured.response.Response> complete =
                    completing.submit(() -> completeMultipart(id, uploadId, List.of(etag)));
            Thread.sleep(round * 40L); // staggers the delete across the complete's stages, not a wait for time rules
            as(token).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);

            io.restassured.response.Response completed = complete.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(completed.statusCode()).as(completed.asString()).isIn(200, 404, 409);
            as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(404);
            assertThat(multipartRows(id)).isZero();
        }
        completing.shutdownNow();
        clock.advance(Duration.ofDays(8)); // past every URL and multipart upload handed out
        sweeper.sweepDue(clock.instant()).await().atMost(Duration.ofSeconds(60));
        for (StorageKey key : keys) {
            assertThat(stored(type, key)).as("no bytes without a record: " + key).isFalse();
        }
    }

    private JsonPath uploaded(String type, byte[] data) {
        JsonPath created = create(token, request(type, data));
        assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(200);
        return created;
    }

    private void assertDownloads(String id, byte[] expected) {
        assertThat(download(id)).isEqualTo(expected);
    }

    private byte[] download(String id) {
        return get(downloadUrl(id)).body();
    }

    private String downloadUrl(String id) {
        return as(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200).extract().path("url");
    }

    private boolean stored(String type, StorageKey key) {
        return providers.get(type.equals("video") ? S3TestResource.PROVIDER : "local").stat(key)
                .await().atMost(Duration.ofSeconds(10)).isPresent();
    }

    private String replacementKey(String id) {
        return database.preparedQuery("SELECT replacement_key FROM artifact_variants WHERE artifact_id = $1")
                .execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(10)).iterator().next().getString("replacement_key");
    }

    private static Map<String, Object> request(String type, byte[] data) {
        return new HashMap<>(Map.of("type", type, "contentType", type.equals("video") ? "video/mp4" : "image/png",
                "size", data.length, "sha256", sha256(data)));
    }

    private static Map<String, Object> multipartReplaceRequest(String type, String id, byte[] data) {
        Map<String, Object> request = replaceRequest(type, id, data);
        request.put("multipart", true);
        return request;
    }

    private JsonPath startMultipart(String id) {
        return as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(201).extract().jsonPath();
    }

    private SignedRequest sign(String id, String uploadId, int part) {
        JsonPath signed = as(token).body("{\"partNumbers\":[" + part + "]}").post("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId)
                .then().statusCode(200).extract().jsonPath();
        Map<String, String> headers = signed.get("parts[0].headers") == null ? Map.of()
                : signed.getMap("parts[0].headers", String.class, String.class);
        return new SignedRequest("PUT", signed.getString("parts[0].url"), headers, null);
    }

    private static String putPart(SignedRequest url, byte[] bytes) {
        HttpResponse<byte[]> answer = put(url, bytes);
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer.headers().firstValue("ETag").orElseThrow();
    }

    private List<String> putParts(String id, String uploadId, byte[] data, int partSize) {
        List<String> etags = new java.util.ArrayList<>();
        for (int from = 0, n = 1; from < data.length; from += partSize, n++) {
            etags.add(putPart(sign(id, uploadId, n), Arrays.copyOfRange(data, from, Math.min(data.length, from + partSize))));
        }
        return etags;
    }

    private io.restassured.response.Response completeMultipart(String id, String uploadId, List<String> etags) {
        List<Map<String, Object>> parts = new java.util.ArrayList<>();
        for (int i = 0; i < etags.size(); i++) {
            parts.add(Map.of("partNumber", i + 1, "etag", etags.get(i)));
        }
        return as(token).body(Map.of("parts", parts)).post("/api/v1/artifacts/{id}/multipart/{u}/complete", id, uploadId);
    }

    private long multipartRows(String id) {
        return database.preparedQuery("SELECT count(*) AS n FROM multipart_uploads WHERE artifact_id = $1")
                .execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong("n");
    }

    private static Map<String, Object> replaceRequest(String type, String id, byte[] data) {
        Map<String, Object> request = request(type, data);
        request.put("artifactId", id);
        request.put("replace", true);
        return request;
    }
}
