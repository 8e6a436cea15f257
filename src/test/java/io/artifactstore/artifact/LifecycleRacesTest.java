package io.artifactstore.artifact;

import io.artifactstore.lifecycle.TombstoneSweeper;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.ConcurrentCalls;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.artifactstore.testing.SignedUrlClient.get;
import static io.artifactstore.testing.SignedUrlClient.put;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Create, complete and delete of one record at the same moment, many times over, through real HTTP
 * against real PostgreSQL and real files. Every interleaving must end with a record that agrees
 * with the bytes: AVAILABLE iff its verified bytes exist, nothing stored that no record names once
 * the sweeper has run, and never a 5xx.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class LifecycleRacesTest {

    private static final int ROUNDS = 12;
    private final String token = Tokens.readerWriter("races");

    @TestHTTPResource("/")
    URL base;

    @Inject
    Pool database;

    @Inject
    TombstoneSweeper sweeper;

    @ConfigProperty(name = "artifact-store.providers.local.root")
    String localRoot;

    @Test
    void completesRacingADeleteLeaveNeitherRecordNorBytes() {
        for (int round = 0; round < ROUNDS; round++) {
            byte[] data = randomBytes(20_000);
            JsonPath created = create(token, imageRequest("race", data));
            String id = created.getString("artifact.id");
            assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);

            List<HttpResponse<String>> answers = calls()
                    .post(complete(id), null).post(complete(id), null).post(complete(id), null)
                    .delete("/api/v1/artifacts/" + id)
                    .post(complete(id), null).post(complete(id), null)
                    .run();

            assertThat(answers.get(3).statusCode()).as("delete").isEqualTo(204);
            assertNoServerErrors(answers);
            answers.forEach(answer -> assertThat(answer.statusCode()).isIn(200, 204, 404, 409));
            as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(404);
            assertThat(rows("SELECT count(*) FROM artifact_variants WHERE artifact_id = $1", id)).isZero();
            assertThat(filesOf(created)).as("bytes of a deleted artifact").isEmpty();
            assertThat(events(id, "delete")).as("one delete, in its transaction").isEqualTo(1);
            long completed = events(id, "complete");
            assertThat(completed).as("at most one complete made the variant available").isLessThanOrEqualTo(1);
            if (answers.stream().anyMatch(answer -> answer.statusCode() == 200)) {
                assertThat(completed).as("a complete answered 200, so one made the change").isEqualTo(1);
            }
        }
    }

    @Test
    void parallelCompletesOfOneUploadAllAgree() {
        for (int round = 0; round < ROUNDS; round++) {
            byte[] data = randomBytes(10_000);
            JsonPath created = create(token, imageRequest("race", data));
            String id = created.getString("artifact.id");
            assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);

            ConcurrentCalls calls = calls();
            for (int i = 0; i < 8; i++) {
                calls.post(complete(id), null);
            }
            calls.run().forEach(answer -> assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200));
            assertRecordAgreesWithBytes(id);
            assertThat(events(id, "complete")).as("eight completes, one change, one event").isEqualTo(1);
        }
    }

    @Test
    void concurrentCreatesOfTheSameVariantAllGetATicketAndOneWins() {
        for (int round = 0; round < ROUNDS / 2; round++) {
            String id = create(token, imageRequest("race", new byte[10])).getString("artifact.id");
            String body = variantRequest(id, "thumbnail", 16);

            ConcurrentCalls calls = calls();
            for (int i = 0; i < 8; i++) {
                calls.post("/api/v1/artifacts", body);
            }
            List<HttpResponse<String>> answers = calls.run();

            answers.forEach(answer -> assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201));
            JsonPath record = as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).extract().jsonPath();
            assertThat(record.getList("variants.findAll { it.name == 'thumbnail' }")).hasSize(1);
            String version = record.getString("variants.find { it.name == 'thumbnail' }.version");
            // Every ticket but the one the record names was tombstoned: its URL cannot change the record.
            assertThat(rows("SELECT count(*) FROM object_tombstones WHERE storage_key LIKE $1",
                    "%/" + id + "/thumbnail/%")).isEqualTo(7);
            HttpResponse<String> winner = answers.stream()
                    .filter(answer -> answer.body().contains("thumbnail/" + version)).findFirst().orElseThrow();
            byte[] data = randomBytes(16);
            assertThat(put(JsonPath.from(winner.body()).getString("upload.url"), Map.of("Content-Type", "image/png"), data)
                    .statusCode()).isEqualTo(200);
            as(token).post(complete(id) + "?variant=thumbnail").then().statusCode(200);
            assertRecordAgreesWithBytes(id);
        }
    }

    @Test
    void variantsCreatedWhileTheArtifactIsDeletedLeaveNothingBehind() {
        for (int round = 0; round < ROUNDS; round++) {
            JsonPath created = ApiClient.uploaded(token, "race", randomBytes(100));
            String id = created.getString("artifact.id");
            ConcurrentCalls calls = calls();
            for (int i = 0; i < 6; i++) {
                calls.post("/api/v1/artifacts", variantRequest(id, "v" + i, 8));
                if (i == 2) {
                    calls.delete("/api/v1/artifacts/" + id);
                }
            }
            List<HttpResponse<String>> answers = calls.run();

            assertNoServerErrors(answers);
            assertThat(answers.get(3).statusCode()).as("delete").isEqualTo(204);
            for (HttpResponse<String> answer : answers) {
                assertThat(answer.statusCode()).as(answer.body()).isIn(201, 204, 404);
                if (answer.statusCode() == 201) {
                    // A ticket handed out just before the delete: its bytes land, and are swept.
                    JsonPath ticket = JsonPath.from(answer.body());
                    put(ticket.getString("upload.url"), Map.of("Content-Type", "image/png"), randomBytes(8));
                }
            }
            as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(404);
            assertThat(rows("SELECT count(*) FROM artifact_variants WHERE artifact_id = $1", id)).isZero();
            sweepAsIfEveryTicketHadExpired();
            assertThat(filesOf(created)).as("bytes of a deleted artifact").isEmpty();
            assertThat(events(id, "create")).as("the original's ticket and one per variant ticket handed out")
                    .isEqualTo(1 + answers.stream().filter(answer -> answer.statusCode() == 201).count());
            assertThat(events(id, "delete")).isEqualTo(1);
        }
    }

    @Test
    void aCompleteRacingANewTicketNeverMarksBytesTheRecordDoesNotName() {
        for (int round = 0; round < ROUNDS; round++) {
            byte[] data = randomBytes(1000);
            JsonPath created = create(token, imageRequest("race", data));
            String id = created.getString("artifact.id");
            assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);

            List<HttpResponse<String>> answers = calls()
                    .post(complete(id), null)
                    .post("/api/v1/artifacts", variantRequest(id, "original", 2000))
                    .post(complete(id), null)
                    .run();

            assertNoServerErrors(answers);
            assertThat(answers.get(1).statusCode()).isIn(201, 409);
            assertRecordAgreesWithBytes(id);
        }
    }

    /** Every AVAILABLE variant's bytes exist and hash to its recorded sha256; the artifact is AVAILABLE iff one is. */
    private void assertRecordAgreesWithBytes(String id) {
        JsonPath record = as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> variants = record.getList("variants");
        boolean anyAvailable = false;
        for (Map<String, Object> variant : variants) {
            if (!"AVAILABLE".equals(variant.get("status"))) {
                continue;
            }
            anyAvailable = true;
            String url = as(token).get("/api/v1/artifacts/{id}/download-url?variant=" + variant.get("name"), id)
                    .then().statusCode(200).extract().path("url");
            HttpResponse<byte[]> download = get(url);
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(sha256(download.body())).isEqualTo(variant.get("sha256"));
            assertThat((long) download.body().length).isEqualTo(((Number) variant.get("size")).longValue());
        }
        assertThat(record.getString("status")).isEqualTo(anyAvailable ? "AVAILABLE" : "PENDING");
    }

    private void sweepAsIfEveryTicketHadExpired() {
        sweeper.sweepDue(Instant.now().plus(Duration.ofDays(8))).await().atMost(Duration.ofSeconds(30));
    }

    private List<Path> filesOf(JsonPath created) {
        Path artifactDir = Path.of(localRoot).resolve(created.getString("artifact.variants[0].key")).getParent();
        if (!Files.exists(artifactDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(artifactDir)) {
            return files.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long rows(String sql, String parameter) {
        return database.preparedQuery(sql).execute(Tuple.of(parameter)).await().indefinitely()
                .iterator().next().getLong(0);
    }

    /** The artifact's audit events of this action, straight from the table. */
    private long events(String artifactId, String action) {
        return database.preparedQuery("SELECT count(*) FROM audit_events WHERE artifact_id = $1 AND action = $2")
                .execute(Tuple.of(artifactId, action)).await().indefinitely().iterator().next().getLong(0);
    }

    private static void assertNoServerErrors(List<HttpResponse<String>> answers) {
        answers.forEach(answer -> assertThat(answer.statusCode()).as(answer.body()).isLessThan(500));
    }

    private ConcurrentCalls calls() {
        return new ConcurrentCalls(base.toString(), token);
    }

    private static String complete(String id) {
        return "/api/v1/artifacts/" + id + "/complete";
    }

    private static String variantRequest(String id, String variant, int size) {
        return "{\"type\":\"image\",\"contentType\":\"image/png\",\"size\":" + size
                + ",\"artifactId\":\"" + id + "\",\"variant\":\"" + variant + "\"}";
    }
}
