package io.artifactstore.quota;

import io.artifactstore.artifact.ApiClient;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.ConcurrentCalls;
import io.artifactstore.testing.Tokens;
import io.artifactstore.security.Roles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.quota.QuotaProfile.MAX_ARTIFACTS;
import static io.artifactstore.quota.QuotaProfile.MAX_BYTES;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quotas against the real database: pending uploads reserve their size, deletes and re-tickets free
 * it, a tenant's own limit beats the default, parallel creates never overshoot, and usage is exact.
 * Every test uses tenants of its own, so none sees another's artifacts.
 */
@QuarkusTest
@TestProfile(QuotaProfile.class)
@QuarkusTestResource(ArtifactStoreTestResource.class)
class QuotaTest {

    private static final int PARALLEL = 20;

    @TestHTTPResource("/")
    URL base;

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool database;

    @Test
    void bytesUpToTheLimitAreAdmittedOneMoreIsNot() {
        String token = freshTenant();
        createImage(token, 60 * 1024).then().statusCode(201);
        Response refused = createImage(token, 41 * 1024);
        assertInsufficientStorage(refused, "bytes");
        assertThat(refused.jsonPath().getString("detail")).contains(Long.toString(60 * 1024), Long.toString(MAX_BYTES));
        createImage(token, 40 * 1024).then().statusCode(201); // exactly the limit
        createImage(token, 0).then().statusCode(201); // an empty one still fits
        assertThat(listed(token)).isEqualTo(3); // the refused create recorded nothing
    }

    @Test
    void oneArtifactOverTheCountIsRefused() {
        String token = freshTenant();
        for (int i = 0; i < MAX_ARTIFACTS; i++) {
            createImage(token, 1).then().statusCode(201);
        }
        Response refused = createImage(token, 1);
        assertInsufficientStorage(refused, "artifacts");
        assertThat(refused.jsonPath().getString("detail")).contains(MAX_ARTIFACTS + " of " + MAX_ARTIFACTS);
        assertThat(listed(token)).isEqualTo(MAX_ARTIFACTS);
    }

    @Test
    void aPendingUploadReservesItsSizeAndADeleteFreesIt() {
        String token = freshTenant();
        String pending = createImage(token, 80 * 1024).then().statusCode(201).extract().path("artifact.id");
        assertInsufficientStorage(createImage(token, 30 * 1024), "bytes");
        as(token).delete("/api/v1/artifacts/{id}", pending).then().statusCode(204);
        createImage(token, 30 * 1024).then().statusCode(201);
    }

    @Test
    void aDeletedUploadedArtifactFreesItsBytesAndCount() {
        String token = freshTenant();
        byte[] data = new byte[90 * 1024];
        String id = ApiClient.uploaded(token, "quota", data).getString("artifact.id");
        assertInsufficientStorage(createImage(token, 20 * 1024), "bytes");
        as(token).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);
        for (int i = 0; i < MAX_ARTIFACTS; i++) {
            createImage(token, 20 * 1024).then().statusCode(201);
        }
    }

    @Test
    void aReTicketReleasesTheSizeItReplacesAndAVariantAddsItsOwn() {
        String token = freshTenant();
        String id = createImage(token, 80 * 1024).then().statusCode(201).extract().path("artifact.id");
        // A new ticket for the same pending original: 90K in all, not 170K.
        variant(token, id, "original", 90 * 1024).then().statusCode(201);
        assertInsufficientStorage(createImage(token, 11 * 1024), "bytes");
        variant(token, id, "thumbnail", 10 * 1024).then().statusCode(201); // exactly the limit
        assertInsufficientStorage(variant(token, id, "preview", 1), "bytes");
        variant(token, id, "thumbnail", 9 * 1024).then().statusCode(201); // shrinking a pending one
        JsonPath usage = usage(token);
        assertThat(usage.getLong("bytes")).isEqualTo(99 * 1024);
        assertThat(usage.getLong("artifacts")).isEqualTo(1);
    }

    @Test
    void aPendingReplacementReservesItsSizeNextToTheVersionItReplaces() {
        String token = freshTenant();
        String id = ApiClient.uploaded(token, "quota", new byte[10]).getString("artifact.id");
        replace(token, id, "original", 60 * 1024).then().statusCode(201);
        assertThat(usage(token).getLong("bytes")).isEqualTo(10 + 60 * 1024);
        assertInsufficientStorage(createImage(token, 40 * 1024), "bytes"); // 10 + 60K + 40K
        // A new replace ticket gives up the earlier pending replacement, never the verified version.
        JsonPath second = replace(token, id, "original", 90 * 1024).then().statusCode(201).extract().jsonPath();
        assertThat(usage(token).getLong("bytes")).isEqualTo(10 + 90 * 1024);
        assertInsufficientStorage(replace(token, id, "original", 100 * 1024), "bytes"); // 10 + 100K
        assertInsufficientStorage(createImage(token, 10 * 1024), "bytes"); // 10 + 90K + 10K
        assertInsufficientStorage(as(token).body(replaceBody(id, "original", 100 * 1024).replace("}", ",\"multipart\":true}"))
                .post("/api/v1/artifacts"), "bytes"); // a replacement in parts reserves the same

        completeReplacement(token, id, "original", second, 90 * 1024);
        assertThat(usage(token).getLong("bytes")).isEqualTo(90 * 1024); // the replaced 10 bytes are released
        createImage(token, 10 * 1024).then().statusCode(201);
    }

    @Test
    void replacementsOfSmallVariantsStopAtTheLimit() {
        // The hostile pass: small variants replaced by large ones, each replacement completed.
        String token = freshTenant();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < MAX_ARTIFACTS; i++) {
            ids.add(ApiClient.uploaded(token, "quota", new byte[10]).getString("artifact.id"));
        }
        // Every ticket first, then the uploads: the pending replacements must hold their bytes meanwhile.
        Map<String, Response> tickets = new java.util.LinkedHashMap<>();
        for (String id : ids) {
            tickets.put(id, replace(token, id, "original", 30 * 1024));
        }
        int replaced = 0;
        for (Map.Entry<String, Response> ticket : tickets.entrySet()) {
            if (ticket.getValue().statusCode() == 201) {
                completeReplacement(token, ticket.getKey(), "original", ticket.getValue().jsonPath(), 30 * 1024);
                replaced++;
            } else {
                assertInsufficientStorage(ticket.getValue(), "bytes");
            }
        }
        assertThat(replaced).isEqualTo(3); // five 10-byte originals and 3 x 30K fit in 100K; a fourth would not
        assertThat(usage(token).getLong("bytes")).isEqualTo(3 * 30 * 1024 + 2 * 10).isLessThanOrEqualTo(MAX_BYTES);
    }

    @RepeatedTest(5)
    void parallelReplacementsAndCreatesNeverOvershootTheBytes() {
        String token = freshTenant();
        String id = ApiClient.uploaded(token, "quota", new byte[10]).getString("artifact.id");
        List<String> names = new java.util.ArrayList<>(List.of("original"));
        for (int i = 1; i < 10; i++) {
            names.add("v" + i);
            JsonPath ticket = variant(token, id, "v" + i, 10).then().statusCode(201).extract().jsonPath();
            assertThat(io.artifactstore.testing.SignedUrlClient.put(ApiClient.ticket(ticket), new byte[10]).statusCode()).isEqualTo(200);
            as(token).post("/api/v1/artifacts/{id}/complete?variant={v}", id, "v" + i).then().statusCode(200);
        }
        ConcurrentCalls calls = new ConcurrentCalls(base.toString(), token);
        for (String name : names) {
            calls.post("/api/v1/artifacts", replaceBody(id, name, 30 * 1024));
            calls.post("/api/v1/artifacts", "{\"type\":\"image\",\"contentType\":\"image/png\",\"size\":" + 30 * 1024 + "}");
        }
        List<HttpResponse<String>> answers = calls.run();
        assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isIn(201, 507));
        assertThat(answers.stream().filter(a -> a.statusCode() == 201)).hasSize(3); // 100 bytes + 3 x 30K fit in 100K
        int replaced = 0;
        for (int i = 0; i < names.size(); i++) { // answers in the order of the calls: a replacement, then a create
            HttpResponse<String> answer = answers.get(2 * i);
            if (answer.statusCode() == 201) {
                completeReplacement(token, id, names.get(i), JsonPath.from(answer.body()), 30 * 1024);
                replaced++;
            }
        }
        // The records agree with the usage: the sum of every variant's declared size, within the limit.
        long recorded = 0;
        for (Object item : as(token).get("/api/v1/artifacts?limit=100").then().statusCode(200).extract().jsonPath()
                .getList("items.variants.size.flatten()")) {
            recorded += ((Number) item).longValue();
        }
        assertThat(usage(token).getLong("bytes")).isEqualTo(recorded).isLessThanOrEqualTo(MAX_BYTES);
        assertThat(recorded).isEqualTo(10 * (10 - replaced) + 3 * 30 * 1024);
    }

    @Test
    void aTicketThatRevivesAnExpiredArtifactNeedsRoomInTheCount() {
        String tenant = "quota-" + UUID.randomUUID();
        String token = Tokens.readerWriter(tenant);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < MAX_ARTIFACTS; i++) {
            ids.add(createImage(token, 1).then().statusCode(201).extract().path("artifact.id"));
        }
        // What the reaper leaves of the first one once its ticket expired: it no longer counts.
        sql("UPDATE artifact_variants SET status = 'EXPIRED' WHERE tenant_id = $1 AND artifact_id = $2", tenant, ids.get(0));
        sql("UPDATE artifacts SET status = 'EXPIRED' WHERE tenant_id = $1 AND id = $2", tenant, ids.get(0));
        assertThat(usage(token).getLong("artifacts")).isEqualTo(MAX_ARTIFACTS - 1);
        createImage(token, 1).then().statusCode(201);

        assertInsufficientStorage(variant(token, ids.get(0), "original", 1), "artifacts");
        assertThat(usage(token).getLong("artifacts")).isEqualTo(MAX_ARTIFACTS);
        variant(token, ids.get(1), "thumbnail", 1).then().statusCode(201); // a counted artifact's new variant needs no room
        variant(token, ids.get(1), "original", 2).then().statusCode(201); // nor does a re-ticket
        assertThat(usage(token).getLong("artifacts")).isEqualTo(MAX_ARTIFACTS);
    }

    private void sql(String statement, Object... parameters) {
        database.preparedQuery(statement).execute(io.vertx.mutiny.sqlclient.Tuple.from(parameters))
                .await().atMost(java.time.Duration.ofSeconds(10));
    }

    @Test
    void aTenantsOwnLimitBeatsTheDefault() {
        String big = Tokens.readerWriter(QuotaProfile.BIG_TENANT);
        createImage(big, 500 * 1024).then().statusCode(201);
        assertInsufficientStorage(createImage(freshTenant(), 500 * 1024), "bytes");
        JsonPath usage = usage(big);
        assertThat(usage.getLong("limits.maxBytes")).isEqualTo(QuotaProfile.BIG_MAX_BYTES);
        assertThat(usage.getLong("limits.maxArtifacts")).isEqualTo(MAX_ARTIFACTS); // not set for it: the default's
    }

    @RepeatedTest(5)
    void parallelCreatesNeverOvershootTheArtifactCount() {
        String token = freshTenant();
        List<HttpResponse<String>> answers = parallelCreates(token, 1);
        assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isIn(201, 507));
        assertThat(answers.stream().filter(a -> a.statusCode() == 201)).hasSize((int) MAX_ARTIFACTS);
        assertThat(listed(token)).isEqualTo(MAX_ARTIFACTS);
        assertThat(usage(token).getLong("artifacts")).isEqualTo(MAX_ARTIFACTS);
    }

    @RepeatedTest(5)
    void parallelCreatesNeverOvershootTheBytes() {
        String token = freshTenant();
        List<HttpResponse<String>> answers = parallelCreates(token, 30 * 1024);
        assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isIn(201, 507));
        assertThat(answers.stream().filter(a -> a.statusCode() == 201)).hasSize(3); // 3 x 30K fit in 100K, 4 do not
        assertThat(usage(token).getLong("bytes")).isEqualTo(3 * 30 * 1024);
    }

    @Test
    void usageCountsUploadedAndPendingBytesExactlyAndOnlyTheTenantsOwn() {
        String tenant = "quota-" + UUID.randomUUID();
        String token = Tokens.readerWriter(tenant);
        String other = freshTenant();
        createImage(other, 7).then().statusCode(201);

        String first = ApiClient.uploaded(token, "usage", new byte[1000]).getString("artifact.id");
        String second = ApiClient.uploaded(token, "usage", new byte[2000]).getString("artifact.id");
        variant(token, second, "thumbnail", 300).then().statusCode(201); // pending: reserved
        Map<String, Object> text = Map.of("type", "text", "contentType", "text/plain", "size", 40);
        create(token, new HashMap<>(text));
        as(token).delete("/api/v1/artifacts/{id}", first).then().statusCode(204);

        JsonPath usage = usage(token);
        assertThat(usage.getString("tenant")).isEqualTo(tenant);
        assertThat(usage.getLong("bytes")).isEqualTo(2000 + 300 + 40);
        assertThat(usage.getLong("artifacts")).isEqualTo(2);
        assertThat(usage.getMap("byType")).containsOnlyKeys("image", "text");
        assertThat(usage.getLong("byType.image.bytes")).isEqualTo(2300);
        assertThat(usage.getLong("byType.image.artifacts")).isEqualTo(1);
        assertThat(usage.getLong("byType.text.bytes")).isEqualTo(40);
        assertThat(usage.getLong("byType.text.artifacts")).isEqualTo(1);
        assertThat(usage.getMap("byProvider")).containsOnlyKeys("local");
        assertThat(usage.getLong("byProvider.local.bytes")).isEqualTo(2340);
        assertThat(usage.getLong("byProvider.local.artifacts")).isEqualTo(2);
        assertThat(usage.getLong("limits.maxBytes")).isEqualTo(MAX_BYTES);
        assertThat(usage.getLong("limits.maxArtifacts")).isEqualTo(MAX_ARTIFACTS);

        JsonPath others = usage(other);
        assertThat(others.getLong("bytes")).isEqualTo(7);
        assertThat(others.getLong("artifacts")).isEqualTo(1);
    }

    @Test
    void usageOfATenantWithNothingIsZero() {
        JsonPath usage = usage(freshTenant());
        assertThat(usage.getLong("bytes")).isZero();
        assertThat(usage.getLong("artifacts")).isZero();
        assertThat(usage.getMap("byType")).isEmpty();
        assertThat(usage.getMap("byProvider")).isEmpty();
    }

    @Test
    void usageNeedsTheReadRole() {
        String tenant = "quota-" + UUID.randomUUID();
        as(Tokens.of(tenant, Roles.WRITE)).get("/api/v1/usage").then().statusCode(403);
        as(Tokens.of(tenant, Roles.READ)).get("/api/v1/usage").then().statusCode(200);
    }

    private List<HttpResponse<String>> parallelCreates(String token, long size) {
        ConcurrentCalls calls = new ConcurrentCalls(base.toString(), token);
        String body = "{\"type\":\"image\",\"contentType\":\"image/png\",\"size\":" + size + "}";
        for (int i = 0; i < PARALLEL; i++) {
            calls.post("/api/v1/artifacts", body);
        }
        return calls.run();
    }

    private static void assertInsufficientStorage(Response answer, String what) {
        answer.then().statusCode(507).contentType("application/problem+json");
        JsonPath problem = answer.jsonPath();
        assertThat(problem.getString("type")).isNotBlank();
        assertThat(problem.getString("title")).isEqualTo("Insufficient Storage");
        assertThat(problem.getInt("status")).isEqualTo(507);
        assertThat(problem.getString("detail")).contains(what);
        assertThat(problem.getString("instance")).isEqualTo("/api/v1/artifacts");
    }

    private static Response createImage(String token, long size) {
        return as(token).body(Map.of("type", "image", "contentType", "image/png", "size", size)).post("/api/v1/artifacts");
    }

    private static Response variant(String token, String artifactId, String name, long size) {
        return as(token).body(Map.of("type", "image", "contentType", "image/png", "size", size,
                "artifactId", artifactId, "variant", name)).post("/api/v1/artifacts");
    }

    private static Response replace(String token, String artifactId, String name, long size) {
        return as(token).body(replaceBody(artifactId, name, size)).post("/api/v1/artifacts");
    }

    private static String replaceBody(String artifactId, String name, long size) {
        return "{\"type\":\"image\",\"contentType\":\"image/png\",\"size\":" + size + ",\"artifactId\":\"" + artifactId
                + "\",\"variant\":\"" + name + "\",\"replace\":true}";
    }

    /** Uploads the replacement's bytes with its ticket and completes it: the variant swaps to them. */
    private static void completeReplacement(String token, String artifactId, String name, JsonPath ticketed, int size) {
        assertThat(io.artifactstore.testing.SignedUrlClient.put(ApiClient.ticket(ticketed), new byte[size]).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete?variant={v}", artifactId, name).then().statusCode(200);
    }

    private static JsonPath usage(String token) {
        return as(token).get("/api/v1/usage").then().statusCode(200).extract().jsonPath();
    }

    private static long listed(String token) {
        return as(token).get("/api/v1/artifacts?limit=100").then().statusCode(200).extract().jsonPath().getList("items").size();
    }

    private static String freshTenant() {
        return Tokens.readerWriter("quota-" + UUID.randomUUID());
    }

}
