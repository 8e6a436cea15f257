package io.artifactstore.artifact;

import io.artifactstore.security.Roles;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static io.artifactstore.artifact.ApiClient.uploaded;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

/** README "API reference": 401 without a valid token, 403 without the role, 404 for another tenant's artifact. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class TenantIsolationAndAuthTest {

    private final String acme = Tokens.readerWriter("acme");
    private final String globex = Tokens.readerWriter("globex");

    @Test
    void anotherTenantsArtifactDoesNotExistForYou() {
        byte[] data = randomBytes(10);
        String id = uploaded(acme, "shared-board-name", data).getString("artifact.id");

        as(globex).get("/api/v1/artifacts/{id}", id).then().statusCode(404)
                .contentType("application/problem+json").body("detail", not(containsString("acme")));
        as(globex).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(404);
        as(globex).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(404);
        as(globex).get("/api/v1/artifacts/{id}/content", id).then().statusCode(404);
        as(globex).delete("/api/v1/artifacts/{id}", id).then().statusCode(404);
        var addVariant = imageRequest("shared-board-name", data);
        addVariant.put("artifactId", id);
        addVariant.put("variant", "stolen");
        as(globex).body(addVariant).post("/api/v1/artifacts").then().statusCode(404);
        as(globex).queryParam("boardId", "shared-board-name").get("/api/v1/artifacts").then().statusCode(200)
                .body("items", hasSize(0));

        as(acme).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("tenantId", equalTo("acme"));
    }

    @Test
    void missingOrInvalidTokensAre401() throws Exception {
        given().get("/api/v1/artifacts").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer");
        given().header("Authorization", "Bearer not-a-jwt").get("/api/v1/artifacts").then().statusCode(401);
        given().header("Authorization", "Bearer " + Tokens.expired("acme")).get("/api/v1/artifacts").then().statusCode(401);
        given().header("Authorization", "Bearer " + Tokens.foreignKey("acme")).get("/api/v1/artifacts").then().statusCode(401);
        given().header("Authorization", "Bearer " + Tokens.wrongIssuer("acme")).get("/api/v1/artifacts").then().statusCode(401);
        given().contentType("application/json").body(imageRequest("b", new byte[1])).post("/api/v1/artifacts")
                .then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void aTokenWithoutTheRoleIs403() {
        String readOnly = Tokens.of("acme", Roles.READ);
        String writeOnly = Tokens.of("acme", Roles.WRITE);
        String admin = Tokens.of("acme", Roles.ADMIN);
        as(readOnly).body(imageRequest("b", new byte[1])).post("/api/v1/artifacts").then().statusCode(403)
                .contentType("application/problem+json");
        String id = create(writeOnly, imageRequest("b", new byte[1])).getString("artifact.id");
        as(writeOnly).get("/api/v1/artifacts/{id}", id).then().statusCode(403);
        as(writeOnly).get("/api/v1/artifacts").then().statusCode(403);
        as(readOnly).delete("/api/v1/artifacts/{id}", id).then().statusCode(403);
        as(readOnly).get("/api/v1/artifacts/{id}", id).then().statusCode(200);
        as(admin).get("/api/v1/artifacts/{id}", id).then().statusCode(200);
        as(admin).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);
        as(Tokens.of("acme")).get("/api/v1/artifacts").then().statusCode(403);
    }

    @Test
    void aTokenWithoutAUsableTenantIsRefused() {
        as(Tokens.withoutTenant(Roles.READ)).get("/api/v1/artifacts").then().statusCode(403)
                .contentType("application/problem+json");
        as(Tokens.of("../etc", Roles.READ)).get("/api/v1/artifacts").then().statusCode(403);
    }
}
