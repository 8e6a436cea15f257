package io.artifactstore.artifact;

import io.artifactstore.core.Ulid;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

/** Bad input answers a clear problem+json and changes nothing (README "API reference"). */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class UploadValidationTest {

    private final String tenant = "validation-" + Ulid.next().toLowerCase();
    private final String token = Tokens.readerWriter(tenant);

    @Test
    void invalidIdsAre400() {
        for (String board : new String[]{"../etc", "a/b", "..", "x..y", "-leading", "", "a".repeat(129), "sp ace"}) {
            Map<String, Object> request = imageRequest(board, new byte[1]);
            as(token).body(request).post("/api/v1/artifacts").then().statusCode(400)
                    .contentType("application/problem+json").body("errors.field", hasItem("boardId"));
        }
        Map<String, Object> request = imageRequest("b", new byte[1]);
        request.put("variant", "../../other-tenant");
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(400).body("errors.field", hasItem("variant"));
        request = imageRequest("b", new byte[1]);
        request.put("artifactId", "..");
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(400).body("errors.field", hasItem("artifactId"));
        as(token).get("/api/v1/artifacts/{id}", "bad..id").then().statusCode(400).body("errors[0].field", equalTo("id"));
        as(token).get("/api/v1/artifacts/{id}/download-url?variant=..", Ulid.next()).then().statusCode(400);
        assertNothingWasCreated();
    }

    @Test
    void typesContentTypesAndSizesFollowThePolicy() {
        Map<String, Object> request = imageRequest("b", new byte[1]);
        request.put("type", "hologram");
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(400).body("errors[0].field", equalTo("type"));

        request = imageRequest("b", new byte[1]);
        request.put("contentType", "application/x-msdownload");
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(415).contentType("application/problem+json");

        request = imageRequest("b", new byte[1]);
        request.put("size", 50L * 1024 * 1024 + 1);
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(413).contentType("application/problem+json");

        request = imageRequest("b", new byte[1]);
        request.put("size", -1);
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(400).body("errors.field", hasItem("size"));

        request = imageRequest("b", new byte[1]);
        request.put("contentType", "image/png\r\nX-Injected: yes");
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(400).body("errors.field", hasItem("contentType"));

        request = imageRequest("b", new byte[1]);
        request.put("sha256", "not-hex");
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(400).body("errors.field", hasItem("sha256"));

        request = imageRequest("b", new byte[1]);
        request.put("type", "intermediate");
        request.put("contentType", "application/x-anything");
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(201);
    }

    @Test
    void metadataIsBoundedInKeysKeyLengthAndJsonSizeBeforeAnythingIsStored() {
        // {"prompt":"..."} is the prompt's length plus 13 bytes of JSON: exactly the limit fits, one byte more does not.
        int limit = 8 * 1024;
        assertMetadataAccepted(Map.of("prompt", "x".repeat(limit - 13)));
        assertMetadataRefused(Map.of("prompt", "x".repeat(limit - 12)), "at most " + limit + " bytes");
        assertMetadataRefused(Map.of("prompt", "\u00e9".repeat((limit - 12) / 2)), "at most " + limit + " bytes"); // 2 bytes each in UTF-8
        assertMetadataRefused(Map.of("prompt", "\"".repeat((limit - 12) / 2)), "at most " + limit + " bytes"); // escaped: 2 each
        assertMetadataRefused(Map.of("prompt", "x".repeat(900 * 1024)), "at most " + limit + " bytes"); // the hostile pass's case
        assertMetadataRefused(Map.of("seeds", java.util.Collections.nCopies(4000, 123456)), "at most " + limit + " bytes");

        assertMetadataAccepted(keys(64));
        assertMetadataRefused(keys(65), "at most 64 keys");
        assertMetadataRefused(keys(20_000), "at most 64 keys");
        assertMetadataRefused(Map.of("nested", Map.of("deeper", keys(65))), "at most 64 keys");

        assertMetadataAccepted(Map.of("k".repeat(128), 1));
        assertMetadataRefused(Map.of("k".repeat(129), 1), "at most 128 characters");
        assertMetadataRefused(Map.of("nested", Map.of("k".repeat(129), 1)), "at most 128 characters");

        // The routing explanation takes the same body, and the same bounds.
        Map<String, Object> request = imageRequest("b", new byte[1]);
        request.put("metadata", keys(65));
        as(io.artifactstore.testing.Tokens.of(tenant, io.artifactstore.security.Roles.ADMIN)).body(request)
                .post("/api/v1/routing/explain").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("metadata"));
        as(token).get("/api/v1/artifacts").then().statusCode(200).body("items.size()", equalTo(3)); // the accepted ones only
    }

    private static Map<String, Object> keys(int n) {
        Map<String, Object> metadata = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            metadata.put("key" + i, i);
        }
        return metadata;
    }

    private void assertMetadataAccepted(Map<String, Object> metadata) {
        Map<String, Object> request = imageRequest("b", new byte[1]);
        request.put("metadata", metadata);
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(201).body("artifact.metadata", equalTo(metadata));
    }

    private void assertMetadataRefused(Map<String, Object> metadata, String why) {
        Map<String, Object> request = imageRequest("b", new byte[1]);
        request.put("metadata", metadata);
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("metadata")).body("errors.message", hasItem(containsString(why)));
    }

    @Test
    void anOversizedBodyIsAnsweredToAClientThatWritesItAllBeforeReading() {
        // Refused on its Content-Length before the body arrives; the service drops what follows for a
        // while before it closes, so the client reads the 413 instead of hitting a reset mid-write.
        byte[] body = new byte[4 * 1024 * 1024];
        for (int round = 0; round < 5; round++) {
            try (RawHttp client = RawHttp.open(ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class))) {
                client.send("POST /api/v1/artifacts HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").send(body);
                RawHttp.Response answer = client.read(Duration.ofSeconds(10));
                assertThat(answer.status()).isEqualTo(413);
                assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
                assertThat(client.closedByServer(Duration.ofSeconds(10))).isTrue();
            }
        }
        assertNothingWasCreated();
    }

    @Test
    void malformedRequestsAnswerProblemJsonWithoutInternals() {
        as(token).body("{\"type\": ").post("/api/v1/artifacts").then().statusCode(400)
                .contentType("application/problem+json").body("detail", not(containsString("Exception")));
        as(token).body("{\"type\":\"image\",\"size\":\"big\"}").post("/api/v1/artifacts").then().statusCode(400)
                .contentType("application/problem+json").body("detail", not(containsString("jackson")));
        as(token).get("/api/v1/artifacts/{id}/download-url?expiresIn=604801", Ulid.next()).then().statusCode(400);
        as(token).get("/api/v1/artifacts/{id}/download-url?disposition=evil", Ulid.next()).then().statusCode(400);
        given().get("/no/such/route").then().statusCode(404).contentType("application/problem+json")
                .body("status", equalTo(404)).body("instance", equalTo("/no/such/route"));
        as(token).patch("/api/v1/artifacts").then().statusCode(405).contentType("application/problem+json");
        as(token).body("x".repeat(1024 * 1024 + 1)).post("/api/v1/artifacts").then().statusCode(413)
                .contentType("application/problem+json");
        assertNothingWasCreated();
    }

    @Test
    void unknownArtifactsAre404() {
        as(token).get("/api/v1/artifacts/{id}", Ulid.next()).then().statusCode(404).contentType("application/problem+json");
        as(token).post("/api/v1/artifacts/{id}/complete", Ulid.next()).then().statusCode(404);
        as(token).delete("/api/v1/artifacts/{id}", Ulid.next()).then().statusCode(404);
        Map<String, Object> request = imageRequest("b", new byte[1]);
        request.put("artifactId", Ulid.next());
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(404);
    }

    private void assertNothingWasCreated() {
        as(token).get("/api/v1/artifacts").then().statusCode(200).body("items.size()", equalTo(0));
    }
}
