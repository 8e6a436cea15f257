package io.artifactstore.provider.local;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.PackagedService;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service, in its own JVM with the benchmarked heap (-Xmx96m), against thousands of
 * upload connections that announce 40 MiB and send nothing: 2,000 on one signed URL, ten on each of
 * 30 others, and 300 that never finish their request head. While they hang, readiness answers
 * fast, the heap stays bounded and a normal upload succeeds; every refused or stalled upload is
 * answered and closed, the idle ones are closed by the server, and once the clients are gone no
 * connection and no partial file is left. Finally the service stops on SIGTERM.
 */
class UploadFloodIT {

    private static final long ANNOUNCED = 40L * 1024 * 1024;
    private static final int ON_ONE_URL = 2000;
    private static final int OTHER_URLS = 30;
    private static final int PER_OTHER_URL = 10;
    private static final int HALF_HEADS = 300;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RATE_WINDOW = Duration.ofSeconds(5);

    static {
        // The service closes connections idle for IDLE_TIMEOUT; a client that keeps its pooled ones longer
        // reuses a closed one for its next PUT (the JDK client does not retry a PUT). Real clients keep
        // them for less than the server does; so does this one.
        System.setProperty("jdk.httpclient.keepalive.timeout", "5");
    }

    private static PackagedService service;
    private static ArtifactStoreTestResource resources;
    private static int apiPort;
    private static int managementPort;
    private static Path incoming;

    @BeforeAll
    static void startThePackagedService() throws Exception {
        resources = new ArtifactStoreTestResource();
        Map<String, String> settings = resources.start(); // PostgreSQL, keys, local root
        service = new PackagedService("upload-flood-it", settings, Map.of(
                "artifact-store.signing.secret", UUID.randomUUID() + "-" + UUID.randomUUID(),
                "artifact-store.uploads.rate-window", RATE_WINDOW.toSeconds() + "s",
                // Every flooding client is 127.0.0.1 here: the per-address bound is FloodIT's to test.
                "artifact-store.connections.max-per-address", "4096",
                "quarkus.http.idle-timeout", IDLE_TIMEOUT.toSeconds() + "s")).start();
        apiPort = service.apiPort();
        managementPort = service.managementPort();
        incoming = Path.of(settings.get("artifact-store.providers.local.root"), ".incoming");
        service.awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stopsOnSigterm() throws InterruptedException {
        if (service == null) {
            return;
        }
        boolean stopped = service.stop(Duration.ofSeconds(20));
        resources.stop();
        assertThat(stopped).as("the service stops on SIGTERM").isTrue();
    }

    @Test
    void aFloodOfStalledUploadsNeitherExhaustsNorOutlivesTheService() throws IOException {
        String token = Tokens.readerWriter("flood");
        normalUpload(token);
        long baseline = service.apiConnections();

        // The flooded URLs belong to three other tenants, none over its share of the upload slots
        // (uploads.max-concurrent-per-tenant); the normal uploads are of a tenant of their own.
        List<String> flooders = List.of(Tokens.readerWriter("flood-a"), Tokens.readerWriter("flood-b"), Tokens.readerWriter("flood-c"));
        JsonPath one = create(flooders.get(0), ANNOUNCED);
        List<RawHttp> onOne = new ArrayList<>();
        List<List<RawHttp>> onOthers = new ArrayList<>();
        List<RawHttp> halfHeads = new ArrayList<>();
        List<JsonPath> others = new ArrayList<>();
        for (int i = 0; i < OTHER_URLS; i++) {
            others.add(create(flooders.get(i % flooders.size()), ANNOUNCED));
        }
        Instant start = Instant.now();
        try {
            for (int i = 0; i < ON_ONE_URL; i++) {
                onOne.add(RawHttp.open(apiPort).send(RawHttp.putHead(one.getString("upload.url"), "image/png", ANNOUNCED)));
            }
            for (JsonPath other : others) {
                List<RawHttp> clients = new ArrayList<>();
                for (int i = 0; i < PER_OTHER_URL; i++) {
                    clients.add(RawHttp.open(apiPort).send(RawHttp.putHead(other.getString("upload.url"), "image/png", ANNOUNCED))
                            .send(new byte[1]));
                }
                onOthers.add(clients);
            }
            for (int i = 0; i < HALF_HEADS; i++) {
                halfHeads.add(RawHttp.open(apiPort).send("PUT /storage/local/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
            }
            Instant flooded = Instant.now();
            System.out.printf("UploadFloodIT: %d connections opened in %d ms%n", ON_ONE_URL + OTHER_URLS * PER_OTHER_URL + HALF_HEADS,
                    Duration.between(start, flooded).toMillis());

            // While they hang: health answers fast, the heap is bounded, a normal upload goes through.
            Instant before = Instant.now();
            assertThat(service.ready(Duration.ofSeconds(5))).as("ready during the flood").isTrue();
            assertThat(Duration.between(before, Instant.now())).isLessThan(Duration.ofSeconds(2));
            normalUpload(token);
            Map<String, Double> heap = service.heap();
            System.out.printf("UploadFloodIT: %d API connections, heap used %.1f MiB of %.1f MiB during the flood%n",
                    service.apiConnections(), heap.get("used") / 1048576, heap.get("max") / 1048576);
            assertThat(heap.get("used")).isLessThan(heap.get("max") * 0.9);

            // One upload per URL runs at a time and is ended by the rate check; every other one is refused.
            assertOneRunsTheRestAreRefused(onOne, start);
            onOthers.forEach(clients -> assertOneRunsTheRestAreRefused(clients, start));
            System.out.printf("UploadFloodIT: every upload answered %d ms after the first connection%n",
                    Duration.between(start, Instant.now()).toMillis());

            // Connections that never finish their head are closed by the idle timeout.
            for (RawHttp half : halfHeads) {
                Duration left = Duration.between(Instant.now(), flooded.plus(IDLE_TIMEOUT).plusSeconds(15));
                assertThat(half.closedByServer(left.isNegative() ? Duration.ofMillis(1) : left)).as("idle connection closed").isTrue();
            }
        } finally {
            onOne.forEach(RawHttp::close);
            onOthers.forEach(clients -> clients.forEach(RawHttp::close));
            halfHeads.forEach(RawHttp::close);
        }

        // Once the clients are gone, nothing of them is left, and the service still serves.
        service.await("connections back to the baseline of " + baseline, Duration.ofSeconds(30), () -> service.apiConnections() <= baseline);
        service.await("no partial upload left", Duration.ofSeconds(10), () -> partFiles() == 0 && openFilesIn(incoming) == 0);
        normalUpload(token);
        assertThat(service.ready(Duration.ofSeconds(5))).isTrue();
        assertThat(service.log()).doesNotContain("OutOfMemoryError");
    }

    private static void assertOneRunsTheRestAreRefused(List<RawHttp> clients, Instant start) {
        Map<Integer, Integer> statuses = new HashMap<>();
        for (RawHttp client : clients) {
            RawHttp.Response answer = client.read(RATE_WINDOW.plusSeconds(15));
            statuses.merge(answer.status(), 1, Integer::sum);
            assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(client.closedByServer(Duration.ofSeconds(5))).as("closed after %d", answer.status()).isTrue();
        }
        // Each one that ran was ended after a rate window (408), and only then could a later client take its place.
        assertThat(statuses.keySet()).containsOnly(429, 408);
        long windows = Duration.between(start, Instant.now()).toMillis() / RATE_WINDOW.toMillis();
        assertThat(statuses.get(408)).isBetween(1, (int) windows + 1);
    }

    private static void normalUpload(String token) {
        byte[] data = new byte[1024];
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}; // a PNG's signature: prod checks the first bytes
        System.arraycopy(png, 0, data, 0, png.length);
        JsonPath created = create(token, data.length);
        var put = SignedUrlClient.put(created.getString("upload.url"), Map.of("Content-Type", "image/png"), data);
        assertThat(put.statusCode()).as(new String(put.body())).isEqualTo(200);
        api(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(200);
    }

    private static JsonPath create(String token, long size) {
        return api(token).body(Map.of("type", "image", "boardId", "flood", "contentType", "image/png", "size", size))
                .post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
    }

    private static io.restassured.specification.RequestSpecification api(String token) {
        return RestAssured.given().port(apiPort).auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static long partFiles() {
        try (Stream<Path> files = Files.list(incoming)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".part")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** File descriptors of the service that point into {@code dir}. */
    private static long openFilesIn(Path dir) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(service.pid()), "fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).startsWith(dir);
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
