package io.artifactstore.artifact;

import io.artifactstore.lifecycle.TombstoneSweeper;
import io.artifactstore.core.StorageKey;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.storedKey;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.artifactstore.testing.SignedUrlClient.get;
import static io.artifactstore.testing.SignedUrlClient.put;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Once verified, a variant's bytes never change, and no URL handed out earlier can store bytes that
 * outlive their record: after complete, after a new ticket and after DELETE, on every provider
 * (images go to the local provider, videos to S3 through S3Proxy).
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class VerifiedBytesAreImmutableTest {

    private final String token = Tokens.readerWriter("immutable");

    @Inject
    ProviderRegistry providers;

    @Inject
    TombstoneSweeper sweeper;

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void theUploadUrlCannotReplaceVerifiedBytes(String type) {
        byte[] verified = randomBytes(5000);
        JsonPath created = create(token, request(type, verified.length, null));
        String id = created.getString("artifact.id");
        assertThat(put(ticket(created), verified).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);

        HttpResponse<byte[]> again = put(ticket(created), randomBytes(verified.length));

        assertThat(again.statusCode()).as(new String(again.body())).isIn(409, 412);
        assertDownloads(id, verified);
    }

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void anEarlierTicketCannotChangeWhatTheRecordNames(String type) {
        byte[] wanted = randomBytes(3000);
        JsonPath first = create(token, request(type, wanted.length, null));
        String id = first.getString("artifact.id");
        JsonPath second = create(token, request(type, wanted.length, id));
        assertThat(storedKey(second)).isNotEqualTo(storedKey(first));

        assertThat(put(ticket(first), randomBytes(wanted.length)).statusCode()).isEqualTo(200);
        assertThat(put(ticket(second), wanted).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        put(ticket(first), randomBytes(wanted.length));
        assertDownloads(id, wanted);

        sweepAsIfEveryTicketHadExpired();
        assertThat(stat(type, storedKey(first))).as("the earlier ticket's bytes").isFalse();
        assertDownloads(id, wanted);
    }

    @ParameterizedTest
    @ValueSource(strings = {"image", "video"})
    void bytesUploadedAfterDeleteDoNotOutliveIt(String type) {
        byte[] data = randomBytes(4000);
        JsonPath verified = create(token, request(type, data.length, null));
        assertThat(put(ticket(verified), data).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", verified.getString("artifact.id")).then().statusCode(200);
        JsonPath pending = create(token, request(type, data.length, null));

        as(token).delete("/api/v1/artifacts/{id}", verified.getString("artifact.id")).then().statusCode(204);
        as(token).delete("/api/v1/artifacts/{id}", pending.getString("artifact.id")).then().statusCode(204);
        assertThat(stat(type, storedKey(verified))).as("deleted with its record").isFalse();
        // URLs handed out before the delete still work for a while, as signed URLs do ...
        put(ticket(verified), data);
        put(ticket(pending), data);

        // ... but what they store is swept once they have expired.
        sweepAsIfEveryTicketHadExpired();
        assertThat(stat(type, storedKey(verified))).isFalse();
        assertThat(stat(type, storedKey(pending))).isFalse();
    }

    private void assertDownloads(String id, byte[] expected) {
        JsonPath record = as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).extract().jsonPath();
        assertThat(record.getString("variants[0].status")).isEqualTo("AVAILABLE");
        if (record.getString("variants[0].sha256") != null) { // S3 records one only when it was declared
            assertThat(record.getString("variants[0].sha256")).isEqualTo(sha256(expected));
        }
        String url = as(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200).extract().path("url");
        assertThat(get(url).body()).isEqualTo(expected);
    }

    private boolean stat(String type, StorageKey key) {
        return providers.get(provider(type)).stat(key).await().atMost(Duration.ofSeconds(10)).isPresent();
    }

    private void sweepAsIfEveryTicketHadExpired() {
        sweeper.sweepDue(Instant.now().plus(Duration.ofDays(8))).await().atMost(Duration.ofSeconds(30));
    }

    private static String provider(String type) {
        return type.equals("video") ? S3TestResource.PROVIDER : "local";
    }

    private static Map<String, Object> request(String type, int size, String artifactId) {
        Map<String, Object> request = new HashMap<>(Map.of("type", type, "size", size,
                "contentType", type.equals("video") ? "video/mp4" : "image/png"));
        if (artifactId != null) {
            request.put("artifactId", artifactId);
        }
        return request;
    }
}
