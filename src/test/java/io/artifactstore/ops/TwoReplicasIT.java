package io.artifactstore.ops;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.PackagedService;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas of the packaged service, started at the same moment on one empty PostgreSQL with one
 * signing secret and one local root (a shared volume), as a Deployment of two runs them: the schema
 * migration does not race (one migrates, the other waits for it), and either replica serves what the
 * other recorded and verifies the URLs the other signed.
 */
class TwoReplicasIT {

    private static ArtifactStoreTestResource resources;
    private static PackagedService one;
    private static PackagedService two;

    @BeforeAll
    static void startTwoReplicasAtOnce() throws Exception {
        resources = new ArtifactStoreTestResource();
        Map<String, String> settings = resources.start();
        Map<String, String> shared = Map.of("artifact-store.signing.secret", UUID.randomUUID() + "-" + UUID.randomUUID(),
                "artifact-store.stored-bytes.refresh-interval", "1s");
        one = new PackagedService("replica-one", settings, shared);
        two = new PackagedService("replica-two", settings, shared);
        one.start();
        two.start();
        one.awaitReady(Duration.ofSeconds(120));
        two.awaitReady(Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        boolean stopped = (one == null || one.stop(Duration.ofSeconds(20))) & (two == null || two.stop(Duration.ofSeconds(20)));
        resources.stop();
        assertThat(stopped).as("both replicas stop on SIGTERM").isTrue();
    }

    @Test
    void theSchemaIsMigratedOnceWhileBothStartCleanly() {
        Pattern migrated = Pattern.compile("Successfully applied \\d+ migrations?");
        long migrations = migrated.matcher(one.log()).results().count() + migrated.matcher(two.log()).results().count();
        assertThat(migrations).as("replicas that applied the migrations").isEqualTo(1);
        assertThat(one.log() + two.log()).doesNotContain("ERROR").as("a clean start warns of nothing")
                .doesNotContain("\"level\":\"WARN\"");
    }

    @Test
    void eitherReplicaServesWhatTheOtherRecordedAndSigned() throws Exception {
        String token = Tokens.readerWriter("replicas");
        byte[] data = ("bytes written through replica two with a URL signed by replica one " + UUID.randomUUID())
                .getBytes(StandardCharsets.UTF_8);

        JsonPath created = api(one, token).body(Map.of("type", "text", "boardId", "replicas", "contentType", "text/plain",
                "size", data.length, "sha256", sha256(data))).post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
        String id = created.getString("artifact.id");
        String signedByOne = created.getString("upload.url");
        assertThat(signedByOne).startsWith("http://localhost:" + one.apiPort() + "/");

        var put = SignedUrlClient.put(onReplica(signedByOne, two), Map.of("Content-Type", "text/plain"), data);
        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(200);

        api(two, token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        assertThat(api(one, token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).extract().jsonPath()
                .getString("status")).isEqualTo("AVAILABLE");
        assertThat(api(one, token).queryParam("boardId", "replicas").get("/api/v1/artifacts").then().statusCode(200)
                .extract().jsonPath().getList("items.id", String.class)).contains(id);

        String signedByTwo = api(two, token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200)
                .extract().jsonPath().getString("url");
        var download = SignedUrlClient.get(onReplica(signedByTwo, one));
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(data);

        api(one, token).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);
        api(two, token).get("/api/v1/artifacts/{id}", id).then().statusCode(404);

        // Prod logs are JSON lines; every request has an access line, and none holds a token or a signature.
        List<JsonNode> twoLog = jsonLines(two);
        assertThat(twoLog).anySatisfy(record -> {
            assertThat(record.path("loggerName").asText()).isEqualTo("io.artifactstore.access");
            assertThat(record.path("mdc").path("method").asText()).isEqualTo("POST");
            assertThat(record.path("mdc").path("route").asText()).isEqualTo("/api/v1/artifacts/{id}/complete");
            assertThat(record.path("mdc").path("status").asText()).isEqualTo("200");
            assertThat(record.path("mdc").path("tenant").asText()).isEqualTo("replicas");
        });
        assertThat(twoLog).anySatisfy(record ->
                assertThat(record.path("mdc").path("route").asText()).isEqualTo("/storage/{provider}/{key}"));
        String signature = signedByOne.replaceFirst(".*[?&]signature=([^&]+).*", "$1");
        for (PackagedService replica : List.of(one, two)) {
            assertThat(replica.log()).doesNotContain(token).doesNotContain(signature).doesNotContain("signature=")
                    .doesNotContain(id);
        }
    }

    @Test
    void bothReplicasPublishTheSameStoredBytesSoonAfterAnUpload() throws Exception {
        String token = Tokens.readerWriter("replicas-bytes");
        byte[] data = ("stored bytes seen by both replicas " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        Thread.sleep(2500); // two refresh intervals: what other tests changed is in the snapshot
        one.await("stored bytes published", Duration.ofSeconds(10), () -> !Double.isNaN(storedBytes(one)));
        double before = storedBytes(one);

        JsonPath created = api(one, token).body(Map.of("type", "text", "boardId", "bytes", "contentType", "text/plain",
                "size", data.length)).post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
        var put = SignedUrlClient.put(created.getString("upload.url"), Map.of("Content-Type", "text/plain"), data);
        assertThat(put.statusCode()).isEqualTo(200);
        api(one, token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(200);

        // One replica recomputes the snapshot within the interval; both publish what it holds.
        for (PackagedService replica : List.of(one, two)) {
            replica.await("stored bytes on " + replica.managementPort(), Duration.ofSeconds(10),
                    () -> storedBytes(replica) == before + data.length);
        }
    }

    /** artifact_store_stored_bytes{provider="local"} as the replica exports it; NaN while it exports none. */
    private static double storedBytes(PackagedService replica) {
        String metrics = RestAssured.given().port(replica.managementPort()).get("/q/metrics").then().statusCode(200)
                .extract().asString();
        return metrics.lines().filter(line -> line.startsWith("artifact_store_stored_bytes{provider=\"local\"}"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst().orElse(Double.NaN);
    }

    private static List<JsonNode> jsonLines(PackagedService replica) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> records = new ArrayList<>();
        for (String line : replica.log().split("\n")) {
            if (line.startsWith("{")) {
                records.add(json.readTree(line));
            }
        }
        assertThat(records).as("JSON log records").hasSizeGreaterThan(5);
        return records;
    }

    /** The same signed URL, sent to the other replica (as a load balancer would). */
    private static String onReplica(String url, PackagedService replica) {
        return url.replaceFirst("^http://localhost:\\d+/", "http://localhost:" + replica.apiPort() + "/");
    }

    private static RequestSpecification api(PackagedService replica, String token) {
        return RestAssured.given().port(replica.apiPort()).auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
