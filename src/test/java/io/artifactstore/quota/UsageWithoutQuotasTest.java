package io.artifactstore.quota;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static io.artifactstore.artifact.ApiClient.as;
import static org.assertj.core.api.Assertions.assertThat;

/** Without any quota configured (the default), nothing is limited and usage says so with null limits. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class UsageWithoutQuotasTest {

    @Test
    void noLimitsAreNullAndNothingIsRefused() {
        String token = Tokens.readerWriter("unlimited-" + UUID.randomUUID());
        for (int i = 0; i < 3; i++) {
            as(token).body(Map.of("type", "image", "contentType", "image/png", "size", 40L * 1024 * 1024))
                    .post("/api/v1/artifacts").then().statusCode(201);
        }
        JsonPath usage = as(token).get("/api/v1/usage").then().statusCode(200).extract().jsonPath();
        assertThat(usage.getLong("bytes")).isEqualTo(3L * 40 * 1024 * 1024);
        assertThat(usage.getLong("artifacts")).isEqualTo(3);
        assertThat(usage.getMap("limits")).containsEntry("maxBytes", null).containsEntry("maxArtifacts", null);
    }
}
