package io.artifactstore.artifact;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The budget of part buffers that streamed uploads to S3Proxy hold above the multipart threshold
 * (here two parts of 5 MiB): an upload beyond it is refused with 503 and Retry-After on its headers,
 * before its body is read, and closes its connection; the admitted ones complete, and the budget
 * returns to zero once they end.
 */
@QuarkusTest
@TestProfile(StreamBufferBudgetTest.TwoParts.class)
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class StreamBufferBudgetTest {

    private static final int PART = StreamingProfile.PART_SIZE;
    private static final int SIZE = 2 * PART + 12_345; // three parts: one 5 MiB buffer held while it streams
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String writer = Tokens.readerWriter("stream-budget");

    @Inject
    StreamBuffers buffers;

    /** S3 multipart from 5 MiB, in 5 MiB parts, and room for two such parts at once. */
    public static class TwoParts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> settings = new HashMap<>(new StreamingProfile().getConfigOverrides());
            settings.put("artifact-store.uploads.stream-buffer-budget", "10M");
            settings.put("artifact-store.uploads.rate-window", "60s"); // its holding uploads pause on purpose, for seconds
            return settings;
        }
    }

    @Test
    void anUploadBeyondTheBudgetIs503OnItsHeadersAndTheBudgetReturnsToZero() {
        byte[] first = randomBytes(SIZE);
        byte[] second = randomBytes(SIZE);
        byte[] third = randomBytes(SIZE);
        String a = pendingVideo();
        String b = pendingVideo();
        String c = pendingVideo();
        try (RawHttp holdingA = RawHttp.open(RestAssured.port); RawHttp holdingB = RawHttp.open(RestAssured.port);
             RawHttp refused = RawHttp.open(RestAssured.port)) {
            // Two uploads stream their first bytes, then pause: each holds a part buffer.
            holdingA.send(head(a)).send(Arrays.copyOfRange(first, 0, 1024 * 1024));
            holdingB.send(head(b)).send(Arrays.copyOfRange(second, 0, 1024 * 1024));
            await("two part buffers held", () -> buffers.held() == 2L * PART);

            // A third sends its headers only: refused at once, without waiting for a body it will not read.
            RawHttp.Response answer = refused.send(head(c)).read(Duration.ofSeconds(10));
            assertThat(answer.status()).as(answer.body()).isEqualTo(503);
            assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(answer.header("Retry-After")).isEqualTo(Long.toString(StreamBuffers.RETRY_AFTER_SECONDS));
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(refused.closedByServer(Duration.ofSeconds(10))).isTrue();
            assertThat(buffers.held()).isEqualTo(2L * PART);
            assertThat(variantStatus(c)).isEqualTo("PENDING");

            // The paused ones go on to the end and complete.
            holdingA.send(Arrays.copyOfRange(first, 1024 * 1024, SIZE));
            holdingB.send(Arrays.copyOfRange(second, 1024 * 1024, SIZE));
            assertThat(holdingA.read(Duration.ofSeconds(60)).status()).isEqualTo(200);
            assertThat(holdingB.read(Duration.ofSeconds(60)).status()).isEqualTo(200);
        }
        await("the budget released", () -> buffers.held() == 0);
        assertThat(send(c, third).statusCode()).as("the refused upload, sent again").isEqualTo(200);
        assertThat(buffers.held()).isZero();
        assertThat(download(a)).isEqualTo(first);
        assertThat(download(b)).isEqualTo(second);
        assertThat(download(c)).isEqualTo(third);
    }

    @RepeatedTest(3)
    void aBurstOfParallelUploadsIsAdmittedWithinTheBudgetAndTheRestKeepNothing() throws Exception {
        int clients = 6;
        List<String> ids = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            ids.add(pendingVideo());
            bodies.add(randomBytes(SIZE));
        }
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int n = i;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return send(ids.get(n), bodies.get(n));
                }, threads));
            }
            start.countDown();
            for (int i = 0; i < clients; i++) {
                HttpResponse<String> answer = answers.get(i).get();
                assertThat(answer.statusCode()).as(answer.body()).isIn(200, 503);
                if (answer.statusCode() == 200) {
                    assertThat(JsonPath.from(answer.body()).getString("variants[0].sha256")).isEqualTo(sha256(bodies.get(i)));
                } else {
                    assertThat(answer.headers().firstValue("Retry-After")).isPresent();
                    assertThat(variantStatus(ids.get(i))).isEqualTo("PENDING");
                }
            }
        } finally {
            threads.shutdownNow();
        }
        await("the budget released", () -> buffers.held() == 0);
    }

    private String pendingVideo() {
        return ApiClient.create(writer, new HashMap<>(Map.of("type", "video", "contentType", "video/mp4", "size", SIZE)))
                .getString("artifact.id");
    }

    private String head(String id) {
        return "PUT /api/v1/artifacts/" + id + "/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + writer
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + SIZE + "\r\n\r\n";
    }

    private HttpResponse<String> send(String id, byte[] data) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/v1/artifacts/" + id + "/content"))
                    .header("Authorization", "Bearer " + writer).header("Content-Type", "application/octet-stream")
                    .timeout(Duration.ofSeconds(120))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            // A refused upload's connection may close while the client is still writing: that is a refusal too.
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String variantStatus(String id) {
        return given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                .extract().path("variants[0].status");
    }

    private byte[] download(String id) {
        String url = given().auth().oauth2(writer).get("/api/v1/artifacts/{id}/download-url", id)
                .then().statusCode(200).extract().path("url");
        HttpResponse<byte[]> answer = SignedUrlClient.get(url);
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer.body();
    }

    private static void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("Timed out waiting until " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
