package io.artifactstore.artifact;

import io.artifactstore.core.StorageKey;
import io.artifactstore.provider.SignedRequest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

import java.util.Map;

import static io.restassured.RestAssured.given;

/** REST Assured calls of the artifact API, shared by the API tests. */
public final class ApiClient {

    private ApiClient() {
    }

    public static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON);
    }

    /** Creates an artifact and returns the whole answer ({@code artifact}, {@code upload}). */
    public static JsonPath create(String token, Map<String, Object> body) {
        return as(token).body(body).post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
    }

    /** Creates an image artifact, uploads {@code data} through its signed URL and completes it. */
    public static JsonPath uploaded(String token, String board, byte[] data) {
        JsonPath created = create(token, imageRequest(board, data));
        org.assertj.core.api.Assertions.assertThat(io.artifactstore.testing.SignedUrlClient.put(ticket(created), data).statusCode())
                .isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(200);
        return created;
    }

    public static Map<String, Object> imageRequest(String board, byte[] data) {
        return new java.util.HashMap<>(Map.of("type", "image", "boardId", board, "contentType", "image/png",
                "size", data.length, "filename", "cat.png", "metadata", Map.of("prompt", "a cat")));
    }

    /** Where the first variant's bytes are stored: its key plus the version of its upload. */
    public static StorageKey storedKey(JsonPath created) {
        return StorageKey.parse(created.getString("artifact.variants[0].key"))
                .withVersion(created.getString("artifact.variants[0].version"));
    }

    public static SignedRequest ticket(JsonPath created) {
        return new SignedRequest(created.getString("upload.method"), created.getString("upload.url"),
                created.getMap("upload.headers", String.class, String.class), null);
    }
}
