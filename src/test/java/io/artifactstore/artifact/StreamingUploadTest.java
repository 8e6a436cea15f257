package io.artifactstore.artifact;

import io.artifactstore.resilience.ProviderMonitor;
import io.artifactstore.security.Roles;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.S3ProxyServer;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Workers' uploads through the service ({@code PUT .../content}), on the local provider and on
 * S3Proxy (videos), single PUT and multipart: the bytes read back identical, bad bodies keep nothing,
 * clients that hang up leave nothing behind, parallel uploads of one variant have one winner whose
 * bytes the record names, and an S3 outage sends the bytes to the fallback.
 */
@QuarkusTest
@TestProfile(StreamingProfile.class)
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class StreamingUploadTest {

    private static final String TENANT = "streaming";
    private static final int MULTIPART = 2 * StreamingProfile.PART_SIZE + 12_345; // three parts, the last a short one

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final java.util.concurrent.ExecutorService RACERS = java.util.concurrent.Executors.newCachedThreadPool();

    private final String writer = Tokens.readerWriter(TENANT);

    @Inject
    ProviderMonitor monitor;

    @Inject
    MeterRegistry metrics;

    @ConfigProperty(name = "artifact-store.providers.local.root")
    String localRoot;

    @BeforeEach
    @AfterEach
    void s3IsUpAndBreakersClosed() {
        S3TestResource.server().start();
        CircuitBreakerMaintenance.get().resetAll();
        monitor.probeAll();
        await("s3 takes uploads", () -> monitor.canTakeUploads(S3TestResource.PROVIDER));
    }

    @Test
    void aLocalVariantStreamsThroughAndReadsBackByteForByte() {
        byte[] data = randomBytes(300_000);
        JsonPath created = create("image", "image/png", data.length, sha256(data));
        String id = created.getString("artifact.id");
        JsonPath answer = put(writer, id, data).hasStatus(200).json();
        assertThat(answer.getString("status")).isEqualTo("AVAILABLE");
        assertThat(answer.getString("variants[0].status")).isEqualTo("AVAILABLE");
        assertThat(answer.getString("variants[0].provider")).isEqualTo("local");
        assertThat(answer.getString("variants[0].sha256")).isEqualTo(sha256(data));
        assertThat(answer.getString("variants[0].version")).as("a version of its own, not the ticket's")
                .isNotEqualTo(created.getString("artifact.variants[0].version"));
        assertThat(download(id)).isEqualTo(data);
        assertThat(storedFiles(localRootPath(), id)).hasSize(1);
    }

    @Test
    void anS3VariantStreamsByOnePutOrByMultipartAndReadsBackByteForByte() {
        for (int size : new int[] {1024 * 1024, MULTIPART}) {
            byte[] data = randomBytes(size);
            String id = create("video", "video/mp4", data.length, null).getString("artifact.id");
            JsonPath answer = put(writer, id, data).hasStatus(200).json();
            assertThat(answer.getString("variants[0].status")).isEqualTo("AVAILABLE");
            assertThat(answer.getString("variants[0].provider")).isEqualTo(S3TestResource.PROVIDER);
            assertThat(answer.getString("variants[0].sha256")).as("computed on the way; none was declared").isEqualTo(sha256(data));
            assertThat(download(id)).as("%d bytes", size).isEqualTo(data);
            assertThat(storedFiles(s3Data(), id)).as("the object only, no parts left").hasSize(1);
        }
    }

    @Test
    void aBodyThatDiffersFromTheDeclaredSha256Is422AndKeepsNothing() {
        for (String type : new String[] {"image", "video"}) {
            byte[] data = randomBytes(type.equals("image") ? 100_000 : MULTIPART);
            String id = create(type, type.equals("image") ? "image/png" : "video/mp4", data.length, sha256(randomBytes(10)))
                    .getString("artifact.id");
            put(writer, id, data).hasStatus(422);
            given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                    .body("variants[0].status", equalTo("PENDING"));
            assertThat(storedFiles(type.equals("image") ? localRootPath() : s3Data(), id)).as(type).isEmpty();
        }
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void theContentLengthMustBeTheDeclaredSize() {
        String id = create("image", "image/png", 1000, null).getString("artifact.id");
        try (RawHttp shorter = RawHttp.open(RestAssured.port)) {
            RawHttp.Response answer = shorter.send(head(id, "Content-Length: 999") + "x".repeat(999)).read(Duration.ofSeconds(10));
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
        }
        try (RawHttp longer = RawHttp.open(RestAssured.port)) {
            RawHttp.Response answer = longer.send(head(id, "Content-Length: 1001")).read(Duration.ofSeconds(10));
            assertThat(answer.status()).isEqualTo(413);
            assertThat(longer.closedByServer(Duration.ofSeconds(5))).as("the unread body is not taken for a next request").isTrue();
        }
        try (RawHttp chunked = RawHttp.open(RestAssured.port)) {
            RawHttp.Response answer = chunked.send(head(id, "Transfer-Encoding: chunked")).read(Duration.ofSeconds(10));
            assertThat(answer.status()).isEqualTo(411);
        }
        given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                .body("variants[0].status", equalTo("PENDING"));
    }

    @Test
    void aClientThatHangsUpMidwayLeavesNothingBehind() {
        for (String type : new String[] {"image", "video"}) {
            int size = type.equals("image") ? 8 * 1024 * 1024 : MULTIPART;
            String provider = type.equals("image") ? "local" : S3TestResource.PROVIDER;
            String id = create(type, type.equals("image") ? "image/png" : "video/mp4", size, null).getString("artifact.id");
            double refusedBefore = uploads(type, provider, "rejected");
            try (RawHttp raw = RawHttp.open(RestAssured.port)) {
                raw.send(head(id, "Content-Length: " + size));
                raw.send(randomBytes(size / 2 + 1024 * 1024)); // S3: a whole part sent, the next one begun
                sleep(300);
            }
            await(type + " upload refused", () -> uploads(type, provider, "rejected") > refusedBefore);
            given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                    .body("variants[0].status", equalTo("PENDING"));
            assertThat(storedFiles(type.equals("image") ? localRootPath() : s3Data(), id)).as(type).isEmpty();
        }
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void aBodyThatStallsIsEndedWith408WithinTheRateWindowAndLeavesNothingBehind() {
        for (String type : new String[] {"image", "video"}) {
            int size = type.equals("image") ? 4 * 1024 * 1024 : MULTIPART;
            String provider = type.equals("image") ? "local" : S3TestResource.PROVIDER;
            String id = create(type, type.equals("image") ? "image/png" : "video/mp4", size, null).getString("artifact.id");
            double refusedBefore = uploads(type, provider, "rejected");
            try (RawHttp raw = RawHttp.open(RestAssured.port)) {
                raw.send(head(id, "Content-Length: " + size));
                raw.send(randomBytes(size / 2 + 1024 * 1024)); // S3: a whole part sent, the next one begun
                Instant stalled = Instant.now();
                RawHttp.Response answer = raw.read(Duration.ofSeconds(30));
                // A window of waiting, plus up to a second until the next check; the rest is slack for a busy machine.
                assertThat(Duration.between(stalled, Instant.now())).as(type)
                        .isLessThan(StreamingProfile.RATE_WINDOW.plusSeconds(3));
                assertThat(answer.status()).as(answer.body()).isEqualTo(408);
                assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
                assertThat(answer.header("Connection")).isEqualTo("close");
                assertThat(raw.closedByServer(Duration.ofSeconds(5))).isTrue();
            }
            await(type + " upload refused", () -> uploads(type, provider, "rejected") > refusedBefore);
            given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                    .body("variants[0].status", equalTo("PENDING"));
            assertThat(storedFiles(type.equals("image") ? localRootPath() : s3Data(), id)).as(type).isEmpty();
        }
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void aProviderThatIsSlowerThanTheRateWindowDoesNotEndTheUpload() throws Exception {
        byte[] data = randomBytes(MULTIPART);
        String id = create("video", "video/mp4", data.length, sha256(data)).getString("artifact.id");
        try (RawHttp raw = RawHttp.open(RestAssured.port)) {
            raw.send(head(id, "Content-Length: " + data.length));
            raw.send(Arrays.copyOfRange(data, 0, 1024 * 1024));
            await("the multipart upload started on the store, the body flowing", () -> storeUploads(id) > 0);
            // The store stops taking bytes, so the service stops reading them: the client waits, through no fault of its own.
            S3TestResource.server().pause();
            CompletableFuture<Void> rest;
            try {
                rest = CompletableFuture.runAsync(() -> raw.send(Arrays.copyOfRange(data, 1024 * 1024, data.length)), RACERS);
                sleep(StreamingProfile.RATE_WINDOW.multipliedBy(3).toMillis());
            } finally {
                S3TestResource.server().resume();
            }
            RawHttp.Response answer = raw.read(Duration.ofSeconds(60));
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            rest.get();
        }
        assertThat(download(id)).isEqualTo(data);
    }

    @Test
    void aClientThatWaitsFor100ContinueIsToldToSendOnceTheUploadCanStart() throws Exception {
        byte[] data = randomBytes(2 * 1024 * 1024);
        String id = create("image", "image/png", data.length, null).getString("artifact.id");
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port
                        + "/api/v1/artifacts/" + id + "/content"))
                .header("Authorization", "Bearer " + writer).expectContinue(true).timeout(Duration.ofSeconds(60))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(download(id)).isEqualTo(data);
    }

    @Test
    void onlyTheOwnerWithTheWriteRoleMayStreamAndOnlyIntoAPendingVariant() {
        byte[] data = randomBytes(1000);
        String id = create("image", "image/png", data.length, null).getString("artifact.id");
        put(Tokens.readerWriter("another-tenant"), id, data).hasStatus(404);
        put(Tokens.of(TENANT, Roles.READ), id, data).hasStatus(403);
        put(writer, id, data).hasStatus(200);
        put(writer, id, data).hasStatus(409);
        given().auth().oauth2(writer).contentType("application/octet-stream").body(data)
                .put("/api/v1/artifacts/{id}/content?variant=thumbnail", id).then().statusCode(404);
    }

    @Test
    void parallelUploadsOfOneVariantHaveOneWinnerWhoseBytesTheRecordNames() throws Exception {
        for (int round = 0; round < 3; round++) {
            race("image", "image/png", 1024 * 1024, 4, localRootPath());
        }
        for (int round = 0; round < 2; round++) {
            race("video", "video/mp4", StreamingProfile.PART_SIZE + 4096, 3, s3Data());
        }
        assertThat(incomingFiles()).isEmpty();
    }

    @Test
    void whileTheRoutedProviderIsDownTheBytesGoToItsFallbackAndAreCounted() {
        byte[] data = randomBytes(MULTIPART);
        String id = create("video", "video/mp4", data.length, sha256(data)).getString("artifact.id");
        Counter fallbacks = metrics.find("artifact_store_fallbacks_total").tags("from", "s3", "to", "local").counter();
        double before = fallbacks.count();

        S3TestResource.server().stop();
        await("s3 marked unusable", () -> !monitor.canTakeUploads(S3TestResource.PROVIDER));
        JsonPath answer = put(writer, id, data).hasStatus(200).json();
        assertThat(answer.getString("variants[0].status")).isEqualTo("AVAILABLE");
        assertThat(answer.getString("variants[0].provider")).isEqualTo("local");
        assertThat(answer.getString("variants[0].sha256")).isEqualTo(sha256(data));
        assertThat(fallbacks.count()).isEqualTo(before + 1);
        assertThat(download(id)).isEqualTo(data);
    }

    @Test
    void aProviderThatFailsMidwayAnswers503AndTheVariantStaysPending() throws Exception {
        byte[] data = randomBytes(MULTIPART);
        String id = create("video", "video/mp4", data.length, null).getString("artifact.id");
        try (RawHttp raw = RawHttp.open(RestAssured.port)) {
            raw.send(head(id, "Content-Length: " + data.length));
            raw.send(Arrays.copyOfRange(data, 0, StreamingProfile.PART_SIZE + 1024));
            sleep(300);
            S3TestResource.server().stop();
            CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> {
                try {
                    raw.send(Arrays.copyOfRange(data, StreamingProfile.PART_SIZE + 1024, data.length));
                } catch (UncheckedIOException closedUnderUs) {
                    // the server may close once it has answered
                }
            });
            RawHttp.Response answer = raw.read(Duration.ofSeconds(60));
            assertThat(answer.status()).isEqualTo(503);
            assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(answer.body()).doesNotContain("127.0.0.1").doesNotContain("Exception");
            rest.exceptionally(ignored -> null).get();
        }
        given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                .body("variants[0].status", equalTo("PENDING"));
    }

    /** Several clients stream different bytes into one variant at once: one 200, the rest 409, one object left. */
    private void race(String type, String contentType, int size, int clients, Path store) throws Exception {
        String id = create(type, contentType, size, null).getString("artifact.id");
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            bodies.add(randomBytes(size));
        }
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (byte[] body : bodies) {
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return send(writer, id, body);
            }, RACERS));
        }
        start.countDown();
        List<Integer> statuses = new ArrayList<>();
        int winner = -1;
        for (int i = 0; i < clients; i++) {
            HttpResponse<String> answer = answers.get(i).get();
            statuses.add(answer.statusCode());
            if (answer.statusCode() == 200) {
                winner = i;
            }
        }
        assertThat(statuses).as("statuses").containsOnly(200, 409).containsOnlyOnce(200);
        byte[] won = bodies.get(winner);
        given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                .body("variants[0].status", equalTo("AVAILABLE"))
                .body("variants[0].sha256", equalTo(sha256(won)));
        assertThat(download(id)).isEqualTo(won);
        assertThat(storedFiles(store, id)).as("the winner's object only").hasSize(1);
    }

    private JsonPath create(String type, String contentType, long size, String sha256) {
        Map<String, Object> request = new HashMap<>(Map.of("type", type, "contentType", contentType, "size", size));
        if (sha256 != null) {
            request.put("sha256", sha256);
        }
        return ApiClient.create(writer, request);
    }

    /**
     * Streams the bytes and answers status and body. Small bodies go through REST Assured, whose
     * answers are held to the API description; large ones through the JDK's client, which sends them
     * far faster.
     */
    private static Answer put(String token, String id, byte[] data) {
        if (data.length <= 1024 * 1024) {
            Response answer = given().auth().oauth2(token).contentType("application/octet-stream").body(data)
                    .put("/api/v1/artifacts/{id}/content", id);
            return new Answer(answer.statusCode(), answer.contentType(), answer.asString());
        }
        HttpResponse<String> answer = send(token, id, data);
        return new Answer(answer.statusCode(), answer.headers().firstValue("Content-Type").orElse(""), answer.body());
    }

    private static HttpResponse<String> send(String token, String id, byte[] data) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/v1/artifacts/" + id + "/content"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                    .timeout(Duration.ofSeconds(120))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One answer of the streaming call. */
    private record Answer(int status, String contentType, String body) {
        Answer hasStatus(int expected) {
            assertThat(status).as(body).isEqualTo(expected);
            if (expected != 200) {
                assertThat(contentType).startsWith("application/problem+json");
            }
            return this;
        }

        JsonPath json() {
            return new JsonPath(body);
        }
    }

    private String head(String id, String lengthHeader) {
        return "PUT /api/v1/artifacts/" + id + "/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + writer
                + "\r\nContent-Type: application/octet-stream\r\n" + lengthHeader + "\r\n\r\n";
    }

    private byte[] download(String id) {
        String url = given().auth().oauth2(writer).get("/api/v1/artifacts/{id}/download-url", id)
                .then().statusCode(200).extract().path("url");
        HttpResponse<byte[]> answer = SignedUrlClient.get(url);
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer.body();
    }

    private double uploads(String type, String provider, String outcome) {
        return metrics.find("artifact_store_uploads_total").tags("type", type, "provider", provider, "outcome", outcome)
                .counter().count();
    }

    /** The multipart uploads S3Proxy holds under the artifact's keys, as its ListMultipartUploads answers. */
    private static long storeUploads(String artifactId) {
        try (S3AsyncClient s3 = S3AsyncClient.builder().endpointOverride(URI.create(S3TestResource.server().endpoint()))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .build()) {
            return s3.listMultipartUploads(r -> r.bucket(S3TestResource.BUCKET)).join().uploads().stream()
                    .filter(upload -> upload.key().contains(artifactId)).count();
        }
    }

    private Path localRootPath() {
        return Path.of(localRoot);
    }

    private static Path s3Data() {
        return S3TestResource.server().dataDirectory();
    }

    /** Every file under the store whose path names the artifact: objects, temp files, multipart parts. */
    private static List<Path> storedFiles(Path store, String artifactId) {
        try (Stream<Path> files = Files.walk(store)) {
            return files.filter(Files::isRegularFile).filter(f -> f.toString().contains(artifactId)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> incomingFiles() {
        try (Stream<Path> files = Files.list(localRootPath().resolve(".incoming"))) {
            return files.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(20);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("Timed out waiting until " + what);
            }
            sleep(50);
        }
    }
}
