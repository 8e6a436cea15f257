package io.artifactstore.artifact;

import io.artifactstore.core.StorageKey;
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
 * old object is swept. Images go to the local provider, videos to S3 through S3Proxy.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ReplaceVariantTest {

    private static final int ROUNDS = 8;
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
        assertThat(put(ticket(replacing), fresh).statusCode()).isEqualTo(200);
        assertDownloads(id, old); // uploaded, not yet verified

        JsonPath done = as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200).extract().jsonPath();

        assertThat(done.getString("variants[0].status")).isEqualTo("AVAILABLE");
        assertThat(done.getLong("variants[0].size")).isEqualTo(fresh.length);
        assertDownloads(id, fresh);
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

        given().auth().oauth2(token).contentType("application/octet-stream").body(fresh)
                .put("/api/v1/artifacts/{id}/content", id).then().statusCode(200);

        assertDownloads(id, fresh);
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
        String url = as(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200).extract().path("url");
        return get(url).body();
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

    private static Map<String, Object> replaceRequest(String type, String id, byte[] data) {
        Map<String, Object> request = request(type, data);
        request.put("artifactId", id);
        request.put("replace", true);
        return request;
    }
}
