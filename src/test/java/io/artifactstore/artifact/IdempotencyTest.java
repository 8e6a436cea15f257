package io.artifactstore.artifact;

import io.artifactstore.idempotency.IdempotencyKeyPurge;
import io.artifactstore.idempotency.IdempotentCalls;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.MovableClock;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.testing.SignedUrlClient.put;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Idempotency-Key (README "API reference"): replays, mismatches, tenants, expiry and races, against the real service and database. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class IdempotencyTest {

    private static final String KEY = IdempotentCalls.HEADER;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Inject
    Pool database;

    @Inject
    MovableClock clock;

    @Inject
    IdempotencyKeyPurge purge;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void theSameCreateAgainAnswersTheFirstAnswerAndMakesNoSecondArtifact() {
        String tenant = tenant();
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = imageRequest("board_1", new byte[1000]);
        Response first = post(tenant, key, body);
        Response again = post(tenant, key, body);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.header(IdempotentCalls.REPLAYED)).isNull();
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.header(IdempotentCalls.REPLAYED)).isEqualTo("true");
        assertThat(again.asString()).isEqualTo(first.asString());
        assertThat(again.header("Location")).isEqualTo(first.header("Location")).endsWith("/api/v1/artifacts/" + first.jsonPath().getString("artifact.id"));
        assertThat(again.contentType()).startsWith("application/json");
        assertThat(artifacts(tenant)).isEqualTo(1);

        // The replayed ticket still works (until it expires, like the first one).
        byte[] data = randomBytes(1000);
        assertThat(put(ticket(again.jsonPath()), data).statusCode()).isEqualTo(200);
        as(Tokens.readerWriter(tenant)).post("/api/v1/artifacts/{id}/complete", again.jsonPath().getString("artifact.id"))
                .then().statusCode(200);
    }

    @Test
    void theSameBodyWithItsMapEntriesInAnotherOrderIsTheSameRequest() {
        String tenant = tenant();
        String key = UUID.randomUUID().toString();
        String one = "{\"type\":\"image\",\"contentType\":\"image/png\",\"size\":10,\"metadata\":{\"a\":\"1\",\"b\":\"2\"}}";
        String other = "{ \"metadata\": {\"b\":\"2\", \"a\":\"1\"}, \"size\": 10, \"contentType\": \"image/png\", \"type\": \"image\" }";
        Response first = spec(tenant, key).body(one).post("/api/v1/artifacts");
        Response again = spec(tenant, key).body(other).post("/api/v1/artifacts");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.asString()).isEqualTo(first.asString());
    }

    @Test
    void theKeyWithAnotherRequestIs422AndChangesNothing() {
        String tenant = tenant();
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = imageRequest("board_1", new byte[1000]);
        Response first = post(tenant, key, body);
        body.put("size", 1001);
        Response other = post(tenant, key, body);
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(other.contentType()).startsWith("application/problem+json");
        assertThat(other.jsonPath().getString("detail")).contains("another request");
        assertThat(artifacts(tenant)).isEqualTo(1);

        String id = first.jsonPath().getString("artifact.id");
        Response completeUnderCreateKey = spec(tenant, key).post("/api/v1/artifacts/{id}/complete", id);
        assertThat(completeUnderCreateKey.statusCode()).as("one key, one request").isEqualTo(422);
    }

    @Test
    void keysArePerTenant() {
        String one = tenant();
        String other = tenant();
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = imageRequest("board_1", new byte[1000]);
        Response first = post(one, key, body);
        Response second = post(other, key, body);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(second.header(IdempotentCalls.REPLAYED)).isNull();
        assertThat(second.jsonPath().getString("artifact.id")).isNotEqualTo(first.jsonPath().getString("artifact.id"));
        assertThat(second.jsonPath().getString("artifact.tenantId")).isEqualTo(other);
        assertThat(artifacts(one)).isEqualTo(1);
        assertThat(artifacts(other)).isEqualTo(1);
    }

    @Test
    void aKeyExpiresAfterTheTtlThenActsAsNewAndIsPurged() {
        String tenant = tenant();
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = imageRequest("board_1", new byte[1000]);
        Response first = post(tenant, key, body);

        clock.advance(Duration.ofHours(23).plusMinutes(59));
        Response stillKept = post(tenant, key, body);
        assertThat(stillKept.asString()).isEqualTo(first.asString());
        assertThat(keyRows(tenant)).isEqualTo(1);

        clock.advance(Duration.ofMinutes(2));
        purge.purgeExpired(clock.instant()).await().atMost(Duration.ofSeconds(30));
        assertThat(keyRows(tenant)).as("purged once expired").isZero();
        Response fresh = post(tenant, key, body);
        assertThat(fresh.statusCode()).isEqualTo(201);
        assertThat(fresh.header(IdempotentCalls.REPLAYED)).isNull();
        assertThat(fresh.jsonPath().getString("artifact.id")).isNotEqualTo(first.jsonPath().getString("artifact.id"));
        assertThat(artifacts(tenant)).isEqualTo(2);

        clock.advance(Duration.ofHours(25));
        body.put("size", 5);
        Response otherRequest = post(tenant, key, body);
        assertThat(otherRequest.statusCode()).as("an expired key, not yet purged, takes any request").isEqualTo(201);
        assertThat(artifacts(tenant)).isEqualTo(3);
    }

    @Test
    void parallelRequestsWithOneKeyRunOnceAndTheOthersReplayOrAreToldItIsInProgress() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(20);
        try {
            for (int round = 0; round < 3; round++) {
                String tenant = tenant();
                String key = UUID.randomUUID().toString();
                String body = "{\"type\":\"image\",\"contentType\":\"image/png\",\"size\":100,\"boardId\":\"b" + round + "\"}";
                List<HttpResponse<String>> answers = parallel(threads, 20, () -> HttpRequest.newBuilder(api("/api/v1/artifacts"))
                        .header("Authorization", "Bearer " + Tokens.readerWriter(tenant)).header("Content-Type", "application/json")
                        .header(KEY, key).POST(HttpRequest.BodyPublishers.ofString(body)).build());
                List<String> created = answers.stream().filter(a -> a.statusCode() == 201).map(HttpResponse::body).distinct().toList();
                assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isIn(201, 409));
                assertThat(answers).filteredOn(a -> a.statusCode() == 409)
                        .allSatisfy(a -> assertThat(a.body()).contains("in progress"));
                assertThat(created).as("one body, however many 201s").hasSize(1);
                assertThat(artifacts(tenant)).as("round %d", round).isEqualTo(1);
                assertThat(post(tenant, key, new io.restassured.path.json.JsonPath(body).getMap("")).asString())
                        .isEqualTo(created.get(0));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void completeWithAKeyIsReplayedAndA409IsNotKept() {
        String tenant = tenant();
        String token = Tokens.readerWriter(tenant);
        byte[] data = randomBytes(2000);
        var created = ApiClient.create(token, imageRequest("board_1", data));
        String id = created.getString("artifact.id");
        String key = UUID.randomUUID().toString();

        Response tooEarly = spec(tenant, key).post("/api/v1/artifacts/{id}/complete", id);
        assertThat(tooEarly.statusCode()).isEqualTo(409);
        assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
        Response done = spec(tenant, key).post("/api/v1/artifacts/{id}/complete", id);
        assertThat(done.statusCode()).as("the 409 was not kept: the retry runs").isEqualTo(200);
        assertThat(done.jsonPath().getString("status")).isEqualTo("AVAILABLE");
        Response again = spec(tenant, key).post("/api/v1/artifacts/{id}/complete?variant=original", id);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.header(IdempotentCalls.REPLAYED)).isEqualTo("true");
        assertThat(again.asString()).isEqualTo(done.asString());
        assertThat(spec(tenant, key).post("/api/v1/artifacts/{id}/complete?variant=thumb", id).statusCode()).isEqualTo(422);
    }

    @Test
    void aFinal4xxIsKeptAndReplayed() {
        String tenant = tenant();
        String key = UUID.randomUUID().toString();
        String missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        Response first = spec(tenant, key).post("/api/v1/artifacts/{id}/complete", missing);
        Response again = spec(tenant, key).post("/api/v1/artifacts/{id}/complete", missing);
        assertThat(first.statusCode()).isEqualTo(404);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.contentType()).startsWith("application/problem+json");
        assertThat(again.header(IdempotentCalls.REPLAYED)).isEqualTo("true");
        assertThat(again.asString()).isEqualTo(first.asString());
    }

    @Test
    void aKeyLeftInProgressByADeadReplicaIsFreedAfterTheInProgressTimeout() {
        String tenant = tenant();
        String token = Tokens.readerWriter(tenant);
        byte[] data = randomBytes(500);
        var created = ApiClient.create(token, imageRequest("board_1", data));
        String id = created.getString("artifact.id");
        assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
        String key = UUID.randomUUID().toString();
        Instant now = clock.instant();
        database.preparedQuery("""
                        INSERT INTO idempotency_keys (tenant_id, idempotency_key, fingerprint, status, lock_token, created_at, locked_until, expires_at)
                        VALUES ($1, $2, $3, 'IN_PROGRESS', 'dead-replica', $4, $5, $6)""")
                .execute(Tuple.of(tenant, key, IdempotentCalls.fingerprint("POST", "/api/v1/artifacts/" + id + "/complete?variant=original", new byte[0]),
                        now.atOffset(ZoneOffset.UTC), now.plus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC))
                        .addOffsetDateTime(now.plus(Duration.ofHours(24)).atOffset(ZoneOffset.UTC)))
                .await().indefinitely();

        Response locked = spec(tenant, key).post("/api/v1/artifacts/{id}/complete", id);
        assertThat(locked.statusCode()).isEqualTo(409);
        assertThat(locked.jsonPath().getString("detail")).contains("in progress");
        clock.advance(Duration.ofMinutes(61));
        assertThat(spec(tenant, key).post("/api/v1/artifacts/{id}/complete", id).statusCode()).isEqualTo(200);
    }

    @Test
    void aStreamedUploadWithAKeyIsReplayedWithoutReadingTheBody() {
        String tenant = tenant();
        String token = Tokens.readerWriter(tenant);
        byte[] data = randomBytes(100_000);
        String id = ApiClient.create(token, imageRequest("board_1", data)).getString("artifact.id");
        String key = UUID.randomUUID().toString();

        Response first = upload(tenant, key, id, data);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.jsonPath().getString("variants[0].status")).isEqualTo("AVAILABLE");
        Response again = upload(tenant, key, id, randomBytes(data.length));
        assertThat(again.statusCode()).as("the bytes are not part of the request's fingerprint").isEqualTo(200);
        assertThat(again.header(IdempotentCalls.REPLAYED)).isEqualTo("true");
        assertThat(again.asString()).isEqualTo(first.asString());
        assertThat(upload(tenant, key, id, randomBytes(data.length - 1)).statusCode()).as("another Content-Length").isEqualTo(422);
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200);
        assertThat(as(token).get("/api/v1/artifacts/{id}", id).jsonPath().getString("variants[0].sha256"))
                .isEqualTo(first.jsonPath().getString("variants[0].sha256"));
    }

    @Test
    void withoutTheHeaderEveryRequestRunsAndNoKeyIsStored() {
        String tenant = tenant();
        Map<String, Object> body = imageRequest("board_1", new byte[1000]);
        Response first = as(Tokens.readerWriter(tenant)).body(body).post("/api/v1/artifacts");
        Response second = as(Tokens.readerWriter(tenant)).body(body).post("/api/v1/artifacts");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(second.header(IdempotentCalls.REPLAYED)).isNull();
        assertThat(second.jsonPath().getString("artifact.id")).isNotEqualTo(first.jsonPath().getString("artifact.id"));
        assertThat(artifacts(tenant)).isEqualTo(2);
        assertThat(keyRows(tenant)).isZero();
    }

    @Test
    void hostileKeysAre400AndStoreNothing() {
        String tenant = tenant();
        Map<String, Object> body = imageRequest("board_1", new byte[1000]);
        for (String key : new String[] {"x".repeat(256), "k".repeat(10 * 1024), "tab\there", "caf\u00e9"}) {
            Response answer = post(tenant, key, body);
            assertThat(answer.statusCode()).as("key of %d chars", key.length()).isEqualTo(400);
            assertThat(answer.contentType()).startsWith("application/problem+json");
        }
        assertThat(post(tenant, "x".repeat(255), body).statusCode()).as("255 is the longest").isEqualTo(201);
        for (String control : new String[] {"", " ", "a\u0001b", "a\u007fb", "a\u001bb"}) {
            String json = "{\"type\":\"image\",\"contentType\":\"image/png\",\"size\":10}";
            try (RawHttp raw = RawHttp.open(ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class))) {
                RawHttp.Response answer = raw.send(("POST /api/v1/artifacts HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + Tokens.readerWriter(tenant) + "\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + json.length() + "\r\n" + KEY + ": " + control + "\r\n\r\n" + json)
                        .getBytes(StandardCharsets.ISO_8859_1)).read(Duration.ofSeconds(10));
                assertThat(answer.status()).as("key %s", control.chars().boxed().toList()).isEqualTo(400);
            }
        }
        assertThat(artifacts(tenant)).isEqualTo(1);
        assertThat(keyRows(tenant)).isEqualTo(1);
    }

    @Test
    void theOpenApiDocumentNamesTheHeaderOnTheThreeOperations() {
        io.restassured.path.json.JsonPath document = given().get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();
        for (String[] operation : new String[][] {{"/api/v1/artifacts", "post"}, {"/api/v1/artifacts/{id}/complete", "post"},
                {"/api/v1/artifacts/{id}/content", "put"}}) {
            List<Map<String, Object>> parameters = document.getList("paths.'" + operation[0] + "'." + operation[1] + ".parameters");
            assertThat(parameters).as(operation[0]).anySatisfy(p -> {
                assertThat(p).containsEntry("name", KEY).containsEntry("in", "header");
                assertThat((String) p.get("description")).contains("artifact-store.idempotency.ttl");
            });
        }
    }

    private static String tenant() {
        return "idem-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static RequestSpecification spec(String tenant, String key) {
        return as(Tokens.readerWriter(tenant)).header(KEY, key);
    }

    private static Response post(String tenant, String key, Map<String, Object> body) {
        return spec(tenant, key).body(new HashMap<>(body)).post("/api/v1/artifacts");
    }

    private static Response upload(String tenant, String key, String id, byte[] data) {
        return given().auth().oauth2(Tokens.readerWriter(tenant)).header(KEY, key).contentType("application/octet-stream")
                .body(data).put("/api/v1/artifacts/{id}/content", id);
    }

    private static URI api(String path) {
        return URI.create("http://localhost:" + ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class) + path);
    }

    private static List<HttpResponse<String>> parallel(ExecutorService threads, int count,
                                                       java.util.function.Supplier<HttpRequest> request) throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            HttpRequest built = request.get();
            pending.add(CompletableFuture.supplyAsync(() -> {
                try {
                    gate.await();
                    return HTTP.send(built, HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        gate.countDown();
        List<HttpResponse<String>> answers = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : pending) {
            answers.add(answer.get());
        }
        return answers;
    }

    private long artifacts(String tenant) {
        return count("SELECT count(*) FROM artifacts WHERE tenant_id = $1", tenant);
    }

    private long keyRows(String tenant) {
        return count("SELECT count(*) FROM idempotency_keys WHERE tenant_id = $1", tenant);
    }

    private long count(String sql, String tenant) {
        return database.preparedQuery(sql).execute(Tuple.of(tenant)).await().indefinitely().iterator().next().getLong(0);
    }
}
