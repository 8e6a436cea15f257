package io.artifactstore.artifact;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.artifactstore.core.Ulid;
import io.artifactstore.security.Roles;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Strict everywhere (README, "API reference"): a query parameter or an Idempotency-Key given twice is
 * a 400 naming it, on every API route; a cursor is signed for its listing and tenant; a claim of the
 * wrong JSON type is a bad token (401); nothing refused changes anything.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class StrictRequestsTest {

    private static final String PROBLEM = "application/problem+json";

    private final String tenant = "strict-" + Ulid.next().toLowerCase();
    private final String token = Tokens.of(tenant, Roles.READ, Roles.WRITE, Roles.ADMIN);

    @Inject
    Pool database;

    @Test
    void aQueryParameterGivenTwiceIsRefusedOnEveryRoute() {
        String id = create(token, imageRequest("strict", new byte[3])).getString("artifact.id");
        long before = artifacts();
        List<String[]> calls = List.of(
                new String[]{"GET", "/api/v1/artifacts?limit=1&limit=2", "limit"},
                new String[]{"GET", "/api/v1/artifacts?boardId=a&type=image&boardId=b", "boardId"},
                new String[]{"GET", "/api/v1/artifacts/" + id + "?x=1&x=2", "x"},
                new String[]{"GET", "/api/v1/artifacts/" + id + "/download-url?variant=original&variant=thumbnail", "variant"},
                new String[]{"GET", "/api/v1/artifacts/" + id + "/download-url?disposition=attachment&disposition=inline", "disposition"},
                new String[]{"GET", "/api/v1/artifacts/" + id + "/content?variant=original&variant=original", "variant"},
                new String[]{"POST", "/api/v1/artifacts/" + id + "/complete?variant=original&variant=thumbnail", "variant"},
                new String[]{"POST", "/api/v1/artifacts/" + id + "/multipart?variant=original&variant=original", "variant"},
                new String[]{"PUT", "/api/v1/artifacts/" + id + "/content?variant=original&variant=thumbnail", "variant"},
                new String[]{"DELETE", "/api/v1/artifacts/" + id + "?force=1&force=0", "force"},
                new String[]{"GET", "/api/v1/audit?action=create&action=delete", "action"},
                new String[]{"GET", "/api/v1/usage?a=1&a=1", "a"},
                new String[]{"GET", "/api/v1/providers?x=1&x=2", "x"},
                new String[]{"POST", "/api/v1/admin/reconcile?provider=local&provider=other", "provider"},
                new String[]{"POST", "/api/v1/artifacts?artifactId=1&artifactId=2", "artifactId"},
                new String[]{"GET", "/api/v1/artifacts?lim%69t=1&limit=2", "limit"});
        for (String[] call : calls) {
            Response answer = as(token).urlEncodingEnabled(false).body("{}").request(call[0], call[1]);
            assertThat(answer.statusCode()).as(call[0] + " " + call[1]).isEqualTo(400);
            assertThat(answer.contentType()).as(call[1]).startsWith(PROBLEM);
            assertThat(answer.jsonPath().getString("errors[0].field")).as(call[1]).isEqualTo(call[2]);
        }
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("PENDING"));
        assertThat(artifacts()).as("nothing created or deleted").isEqualTo(before);
    }

    @Test
    void twoIdempotencyKeysAreRefused() {
        long before = artifacts();
        Response answer = as(token).header("Idempotency-Key", "first").header("Idempotency-Key", "second")
                .body(imageRequest("strict", new byte[3])).post("/api/v1/artifacts");
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith(PROBLEM);
        assertThat(answer.jsonPath().getString("errors[0].field")).isEqualTo("Idempotency-Key");
        assertThat(artifacts()).isEqualTo(before);
        assertThat(count("SELECT count(*) FROM idempotency_keys WHERE tenant_id = $1")).isZero();
        // One key is as before.
        as(token).header("Idempotency-Key", "first").body(imageRequest("strict", new byte[3])).post("/api/v1/artifacts")
                .then().statusCode(201);
    }

    @Test
    void onlyCursorsThisServiceIssuedForThisListingAndTenantAreTaken() {
        for (int i = 0; i < 3; i++) {
            create(token, imageRequest("cursors", new byte[1]));
        }
        JsonPath first = as(token).queryParam("boardId", "cursors").queryParam("limit", 1).get("/api/v1/artifacts")
                .then().statusCode(200).extract().jsonPath();
        String issued = first.getString("nextCursor");
        String lastId = first.getString("items[0].id");
        as(token).queryParam("boardId", "cursors").queryParam("limit", 1).queryParam("cursor", issued).get("/api/v1/artifacts")
                .then().statusCode(200);

        String forgedFromId = Base64.getUrlEncoder().withoutPadding().encodeToString(lastId.getBytes(StandardCharsets.UTF_8));
        String auditCursor = as(token).queryParam("limit", 1).get("/api/v1/audit").then().statusCode(200).extract().path("nextCursor");
        List<String> forged = List.of(forgedFromId, forgedFromId + ".", forgedFromId + ".AAAAAAAAAAAAAAAAAAAAAA",
                issued.substring(0, issued.length() - 1), issued + "A", issued.substring(0, issued.indexOf('.')),
                "x" + issued, auditCursor);
        for (String cursor : forged) {
            assertRefusedCursor(as(token).queryParam("cursor", cursor).get("/api/v1/artifacts"), cursor);
        }
        String otherTenant = Tokens.of("strict-other-" + Ulid.next().toLowerCase(), Roles.READ, Roles.ADMIN);
        assertRefusedCursor(as(otherTenant).queryParam("cursor", issued).get("/api/v1/artifacts"), "another tenant's");
        assertRefusedCursor(as(token).queryParam("cursor", issued).get("/api/v1/audit"), "the listing's cursor on the audit");
        assertRefusedCursor(as(token).queryParam("cursor", forgedFromId).get("/api/v1/audit"), "unsigned");
    }

    @Test
    void claimsOfTheWrongJsonTypeAreABadToken() {
        long before = artifacts();
        List<String> tokens = List.of(
                sign(Map.of("tenant_id", tenant, "sub", "user", "groups", Map.of("artifacts.write", true))),
                sign(Map.of("tenant_id", tenant, "sub", "user", "groups", List.of(Roles.WRITE, 7))),
                sign(Map.of("tenant_id", tenant, "sub", "user", "groups", List.of(Roles.WRITE, List.of(Roles.ADMIN)))),
                sign(Map.of("tenant_id", tenant, "sub", "user", "groups", 42)),
                sign(Map.of("tenant_id", tenant, "sub", 42, "groups", List.of(Roles.WRITE, Roles.READ))),
                sign(Map.of("tenant_id", tenant, "sub", Map.of("id", "x"), "groups", List.of(Roles.WRITE, Roles.READ))),
                sign(Map.of("tenant_id", 123, "sub", "user", "groups", List.of(Roles.WRITE, Roles.READ))),
                sign(Map.of("tenant_id", List.of(tenant), "sub", "user", "groups", List.of(Roles.WRITE, Roles.READ))),
                sign(Map.of("tenant_id", Map.of("id", tenant), "sub", "user", "groups", List.of(Roles.WRITE, Roles.READ))),
                sign(Map.of("tenant_id", true, "sub", "user", "groups", List.of(Roles.WRITE, Roles.READ))));
        for (String bad : tokens) {
            for (Response answer : List.of(as(bad).get("/api/v1/artifacts"),
                    as(bad).body(imageRequest("strict", new byte[3])).post("/api/v1/artifacts"))) {
                assertThat(answer.statusCode()).as(bad).isEqualTo(401);
                assertThat(answer.contentType()).startsWith(PROBLEM);
            }
        }
        assertThat(artifacts()).isEqualTo(before);
        // The same claims with their own types are a good token.
        as(sign(Map.of("tenant_id", tenant, "sub", "user", "groups", List.of(Roles.WRITE, Roles.READ)))).get("/api/v1/artifacts")
                .then().statusCode(200);
    }

    private static void assertRefusedCursor(Response answer, String what) {
        assertThat(answer.statusCode()).as(what).isEqualTo(400);
        assertThat(answer.contentType()).as(what).startsWith(PROBLEM);
        assertThat(answer.jsonPath().getString("errors[0].field")).as(what).isEqualTo("cursor");
    }

    private static String sign(Map<String, Object> claims) {
        Map<String, Object> payload = new HashMap<>(claims);
        payload.put("iss", ArtifactStoreTestResource.ISSUER);
        long now = System.currentTimeMillis() / 1000;
        payload.put("iat", now);
        payload.put("exp", now + 300);
        try {
            return Tokens.ofPayload(new ObjectMapper().writeValueAsString(payload));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private long artifacts() {
        return count("SELECT count(*) FROM artifacts WHERE tenant_id = $1");
    }

    private long count(String sql) {
        return database.preparedQuery(sql).execute(Tuple.of(tenant)).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }
}
