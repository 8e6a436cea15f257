package io.artifactstore.artifact;

import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.artifactstore.artifact.ApiClient.uploaded;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.artifactstore.testing.SignedUrlClient.get;
import static io.artifactstore.testing.SignedUrlClient.put;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

/** The upload flow of the README's API reference end to end: real HTTP, real PostgreSQL, real files, real tokens. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class ArtifactLifecycleTest {

    private static final String TENANT = "acme";
    private final String token = Tokens.readerWriter(TENANT);

    @Inject
    ProviderRegistry providers;

    @Test
    void createPutCompleteDownloadReturnsTheSameBytes() {
        byte[] data = randomBytes(50_000);
        JsonPath created = create(token, imageRequest("board_123", data));
        String id = created.getString("artifact.id");
        assertThat(created.getString("artifact.status")).isEqualTo("PENDING");
        assertThat(created.getString("artifact.tenantId")).isEqualTo(TENANT);
        assertThat(created.getString("artifact.variants[0].key")).isEqualTo(TENANT + "/image/board_123/" + id + "/original");
        assertThat(created.getString("upload.method")).isEqualTo("PUT");
        assertThat(created.getMap("upload.headers")).containsEntry("Content-Type", "image/png");

        assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);

        as(token).post("/api/v1/artifacts/{id}/complete?variant=original", id).then().statusCode(200)
                .body("status", equalTo("AVAILABLE"))
                .body("variants[0].status", equalTo("AVAILABLE"))
                .body("variants[0].sha256", equalTo(sha256(data)))
                .body("variants[0].completedAt", notNullValue());

        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                .body("id", equalTo(id)).body("filename", equalTo("cat.png"))
                .body("metadata.prompt", equalTo("a cat")).body("boardId", equalTo("board_123"));

        JsonPath url = as(token).get("/api/v1/artifacts/{id}/download-url?disposition=attachment&expiresIn=120", id)
                .then().statusCode(200).body("method", equalTo("GET")).extract().jsonPath();
        HttpResponse<byte[]> download = get(url.getString("url"));
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(data);
        assertThat(download.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(download.headers().firstValue("Content-Disposition")).hasValueSatisfying(v -> assertThat(v).startsWith("attachment; filename=\"cat.png\""));
        assertThat(download.headers().firstValue("ETag")).hasValue('"' + sha256(data) + '"');

        String location = as(token).redirects().follow(false).get("/api/v1/artifacts/{id}/content", id)
                .then().statusCode(302).extract().header("Location");
        assertThat(get(location).body()).isEqualTo(data);
    }

    @Test
    void completingTwiceChangesNothing() {
        byte[] data = randomBytes(100);
        JsonPath created = create(token, imageRequest("b", data));
        String id = created.getString("artifact.id");
        put(ticket(created), data);
        String first = as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200).extract().asString();
        String second = as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200).extract().asString();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void completeWithoutAnUploadIsAConflictAndDownloadWaitsForIt() {
        String id = create(token, imageRequest("b", new byte[10])).getString("artifact.id");
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(409)
                .contentType("application/problem+json").body("status", equalTo(409));
        as(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(409);
        as(token).get("/api/v1/artifacts/{id}", id).then().body("status", equalTo("PENDING"));
    }

    @Test
    void bodiesOfTheWrongSizeAreRefusedAtTheSignedUrl() {
        byte[] data = randomBytes(1000);
        JsonPath created = create(token, imageRequest("b", data));
        SignedRequest ticket = ticket(created);
        assertThat(put(ticket, randomBytes(999)).statusCode()).isEqualTo(400);
        assertThat(put(ticket, randomBytes(1001)).statusCode()).isEqualTo(413);
        as(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(409);
    }

    @Test
    void aStoredObjectOfTheWrongSizeFailsCompleteAndIsDeleted() {
        JsonPath created = create(token, imageRequest("b", new byte[1000]));
        StorageKey key = ApiClient.storedKey(created);
        byte[] wrong = randomBytes(900);
        providers.get("local").write(key, "image/png", wrong.length, Multi.createFrom().item(ByteBuffer.wrap(wrong)))
                .await().indefinitely();

        as(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(422)
                .contentType("application/problem+json");
        assertThat(providers.get("local").stat(key).await().indefinitely()).isEmpty();
    }

    @Test
    void aDeclaredSha256IsEnforcedAtUploadAndAtComplete() {
        byte[] data = randomBytes(1000);
        Map<String, Object> request = imageRequest("b", data);
        request.put("sha256", sha256(data).toUpperCase());
        JsonPath created = create(token, request);
        String id = created.getString("artifact.id");
        StorageKey key = ApiClient.storedKey(created);

        byte[] other = randomBytes(1000);
        assertThat(put(ticket(created), other).statusCode()).isEqualTo(400);
        assertThat(providers.get("local").stat(key).await().indefinitely()).isEmpty();

        // Bytes that bypassed the signed URL are still checked before the variant becomes available.
        providers.get("local").write(key, "image/png", other.length, Multi.createFrom().item(ByteBuffer.wrap(other)))
                .await().indefinitely();
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(422);
        assertThat(providers.get("local").stat(key).await().indefinitely()).isEmpty();

        assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200)
                .body("variants[0].sha256", equalTo(sha256(data)));
    }

    @Test
    void variantsAreAddedToAnExistingArtifact() {
        String id = uploaded(token, "b", randomBytes(200)).getString("artifact.id");

        byte[] thumbnail = randomBytes(20);
        Map<String, Object> request = imageRequest("b", thumbnail);
        request.put("artifactId", id);
        request.put("variant", "thumbnail");
        request.put("contentType", "image/webp");
        JsonPath added = create(token, request);
        assertThat(added.getString("artifact.id")).isEqualTo(id);
        assertThat(added.getList("artifact.variants")).hasSize(2);
        put(ticket(added), thumbnail);
        as(token).post("/api/v1/artifacts/{id}/complete?variant=thumbnail", id).then().statusCode(200)
                .body("variants.find { it.name == 'thumbnail' }.status", equalTo("AVAILABLE"));

        as(token).body(request).post("/api/v1/artifacts").then().statusCode(409);
        request.put("type", "video");
        request.put("contentType", "video/mp4");
        request.put("variant", "clip");
        as(token).body(request).post("/api/v1/artifacts").then().statusCode(409);
    }

    @Test
    void aThumbnailIsAnImageWhateverItsArtifactIs() {
        Map<String, Object> video = new java.util.HashMap<>(Map.of("type", "video", "contentType", "video/mp4", "size", 100));
        String id = create(token, video).getString("artifact.id");

        Map<String, Object> thumbnail = new java.util.HashMap<>(Map.of("type", "video", "artifactId", id,
                "variant", "thumbnail", "contentType", "image/webp", "size", 20));
        JsonPath added = create(token, thumbnail);
        assertThat(added.getString("artifact.variants.find { it.name == 'thumbnail' }.contentType")).isEqualTo("image/webp");

        thumbnail.put("contentType", "video/mp4");
        as(token).body(thumbnail).post("/api/v1/artifacts").then().statusCode(415)
                .body("detail", org.hamcrest.Matchers.containsString("thumbnail variants"));
        thumbnail.put("contentType", "image/png");
        thumbnail.put("size", 20L * 1024 * 1024 + 1);
        as(token).body(thumbnail).post("/api/v1/artifacts").then().statusCode(413);
        as(token).get("/api/v1/artifacts/{id}", id).then()
                .body("variants.find { it.name == 'thumbnail' }.contentType", equalTo("image/webp"));
    }

    @Test
    void aVariantOtherThanTheOriginalNeedsItsArtifact() {
        Map<String, Object> headless = imageRequest("headless-" + Ulid.next(), new byte[10]);
        headless.put("variant", "thumbnail");
        as(token).body(headless).post("/api/v1/artifacts").then().statusCode(400)
                .body("errors[0].field", equalTo("artifactId"));
        as(token).queryParam("boardId", headless.get("boardId")).get("/api/v1/artifacts").then().body("items", hasSize(0));
    }

    @Test
    void aPendingVariantGetsAFreshTicket() {
        JsonPath first = create(token, imageRequest("b", new byte[10]));
        Map<String, Object> again = imageRequest("b", new byte[20]);
        again.put("artifactId", first.getString("artifact.id"));
        JsonPath second = create(token, again);
        assertThat(second.getString("upload.url")).isNotEqualTo(first.getString("upload.url"));
        assertThat(second.getLong("artifact.variants[0].size")).isEqualTo(20);
        assertThat(put(ticket(second), randomBytes(20)).statusCode()).isEqualTo(200);
    }

    @Test
    void deleteRemovesTheRecordAndTheBytes() {
        JsonPath created = uploaded(token, "b", randomBytes(300));
        String id = created.getString("artifact.id");
        String url = as(token).get("/api/v1/artifacts/{id}/download-url", id).then().extract().path("url");
        StorageKey key = ApiClient.storedKey(created);

        as(token).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);

        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(404);
        assertThat(providers.get("local").stat(key).await().indefinitely()).isEmpty();
        assertThat(get(url).statusCode()).isEqualTo(404);
        as(token).delete("/api/v1/artifacts/{id}", id).then().statusCode(404);
    }

    @Test
    void listingPagesNewestFirstWithFilters() {
        String board = "paged-" + Ulid.next();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(0, create(token, imageRequest(board, new byte[1])).getString("artifact.id"));
        }
        List<String> seen = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = as(token).queryParam("boardId", board).queryParam("limit", 3);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page = request.get("/api/v1/artifacts").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items.id", String.class));
            assertThat(page.getList("items[0].variants")).isNotEmpty();
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(ids);

        as(token).queryParam("boardId", board).queryParam("status", "AVAILABLE").get("/api/v1/artifacts")
                .then().statusCode(200).body("items", hasSize(0)).body("nextCursor", nullValue());
        as(token).queryParam("boardId", board).queryParam("type", "image").queryParam("status", "PENDING")
                .get("/api/v1/artifacts").then().body("items", hasSize(7));
        as(token).queryParam("boardId", board).queryParam("type", "video").get("/api/v1/artifacts")
                .then().body("items", hasSize(0));
        as(token).queryParam("limit", 0).get("/api/v1/artifacts").then().statusCode(400).body("errors[0].field", equalTo("limit"));
        as(token).queryParam("limit", 1001).get("/api/v1/artifacts").then().statusCode(400);
        for (String forged : new String[]{"!!!", java.util.Base64.getUrlEncoder().encodeToString("../x".getBytes())}) {
            as(token).queryParam("cursor", forged).get("/api/v1/artifacts").then().statusCode(400)
                    .body("errors[0].field", equalTo("cursor"))
                    .body("errors[0].message", startsWith("is not a cursor this service issued"));
        }
        as(token).queryParam("type", "hologram").get("/api/v1/artifacts").then().statusCode(400);
    }

    @Test
    void createAnswersWithALocationHeader() {
        String location = as(token).body(imageRequest("b", new byte[5])).post("/api/v1/artifacts")
                .then().statusCode(201).extract().header("Location");
        assertThat(location).contains("/api/v1/artifacts/");
        given().header("Authorization", "Bearer " + token).get(location).then().statusCode(200)
                .body("id", startsWith(location.substring(location.lastIndexOf('/') + 1)));
    }
}
