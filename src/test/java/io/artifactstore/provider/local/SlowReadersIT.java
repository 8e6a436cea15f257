package io.artifactstore.provider.local;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.PackagedService;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service, in its own JVM with the benchmarked heap (-Xmx96m), against thousands of
 * readers that send a GET and never read its answer, on small receive buffers: on one signed
 * download URL of a multi-MiB object (whole and ranged), on a dozen other URLs, on a large listing
 * (with and without a token) and on the OpenAPI document. While the service holds the downloads it
 * admitted, readiness answers and a normal client downloads and lists, and a reader on a slow line
 * takes the whole object over longer than the idle timeout. The readers beyond a URL's bound are
 * refused at once with 503; the others are dropped once they have taken nothing for a window, and
 * every descriptor they held is released while the clients still keep their sockets. No
 * OutOfMemoryError, no ERROR line; finally the service stops on SIGTERM.
 */
class SlowReadersIT {

    private static final int OBJECT_SIZE = 8 * 1024 * 1024;
    private static final int ON_ONE_URL = 2000;
    private static final int RANGED_ON_ONE_URL = 500;
    private static final int OTHER_URLS = 12;
    private static final int PER_OTHER_URL = 20;
    private static final int LISTED_ARTIFACTS = 200;
    private static final int LISTINGS = 40;
    private static final int LISTINGS_WITHOUT_TOKEN = 300;
    private static final int OPENAPI = 600;
    private static final Duration STALL_WINDOW = Duration.ofSeconds(15);
    /** Longer than a stall window, shorter than the steady reader's download. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(20);
    private static final int STEADY_BYTES_PER_SECOND = 320 * 1024;
    /** Descriptors the service may open meanwhile for itself: its database pool grows to 16 connections under the listings. */
    private static final int OWN_DESCRIPTORS = 30;

    private static PackagedService service;
    private static ArtifactStoreTestResource resources;
    private static int apiPort;

    @BeforeAll
    static void startThePackagedService() throws Exception {
        resources = new ArtifactStoreTestResource();
        Map<String, String> settings = resources.start(); // PostgreSQL, keys, local root
        service = new PackagedService("slow-readers-it", settings, Map.of(
                "artifact-store.signing.secret", UUID.randomUUID() + "-" + UUID.randomUUID(),
                "artifact-store.api-docs.enabled", "true",
                "artifact-store.responses.stall-timeout", STALL_WINDOW.toSeconds() + "s",
                // Every reader connects from 127.0.0.1: the per-address bound (FloodIT's) is not what this test holds.
                "artifact-store.connections.max-per-address", "8192",
                "artifact-store.connections.max-total", "8192",
                "quarkus.http.idle-timeout", IDLE_TIMEOUT.toSeconds() + "s")).start();
        apiPort = service.apiPort();
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
    void readersThatNeverReadAreBoundedAndDropped() throws Exception {
        String token = Tokens.readerWriter("slow");
        byte[] object = randomPng(OBJECT_SIZE);
        String id = uploadedArtifact(token, object, Map.of());
        String metadataValue = "m".repeat(300);
        for (int i = 0; i < LISTED_ARTIFACTS; i++) {
            create(token, 1024, Map.of("a", metadataValue, "b", metadataValue, "c", metadataValue));
        }
        String flooded = downloadUrl(token, id, 3600);
        List<String> others = new ArrayList<>();
        for (int i = 0; i < OTHER_URLS; i++) {
            others.add(downloadUrl(token, id, 3000 + i));
        }
        String listing = "/api/v1/artifacts?boardId=slow&limit=1000";
        assertThat(api(token).get(listing).then().statusCode(200).extract().asByteArray().length).isGreaterThan(200_000);
        long baselineFds = service.descriptors();
        long baselineConnections = service.apiConnections();

        List<Reader> downloads = new ArrayList<>();
        List<Reader> everyone = new ArrayList<>();
        // A reader on a slow line takes the whole object throughout, longer than the idle timeout: never dropped.
        CompletableFuture<byte[]> steady = CompletableFuture.supplyAsync(
                () -> Reader.get(pathOf(downloadUrl(token, id, 900)), Map.of(), 64 * 1024).steadyBody(STEADY_BYTES_PER_SECOND));
        Instant start = Instant.now();
        try {
            for (int i = 0; i < ON_ONE_URL; i++) {
                downloads.add(Reader.get(pathOf(flooded), Map.of()));
            }
            for (int i = 0; i < RANGED_ON_ONE_URL; i++) {
                downloads.add(Reader.get(pathOf(flooded), Map.of("Range", "bytes=" + i + "-")));
            }
            for (String other : others) {
                for (int i = 0; i < PER_OTHER_URL; i++) {
                    downloads.add(Reader.get(pathOf(other), Map.of()));
                }
            }
            everyone.addAll(downloads);
            for (int i = 0; i < LISTINGS; i++) {
                everyone.add(Reader.get(listing, Map.of("Authorization", "Bearer " + token)));
            }
            for (int i = 0; i < LISTINGS_WITHOUT_TOKEN; i++) {
                everyone.add(Reader.get(listing, Map.of()));
            }
            for (int i = 0; i < OPENAPI; i++) {
                everyone.add(Reader.get("/q/openapi", Map.of()));
            }
            System.out.printf("SlowReadersIT: %d readers connected in %d ms%n", everyone.size(),
                    Duration.between(start, Instant.now()).toMillis());

            // While they hang (the service has answered them all, the readers it admitted still wait to be
            // read): readiness answers, a normal client downloads its own URL and lists.
            service.await("the admitted downloads held while their readers wait", Duration.ofSeconds(30),
                    () -> metric("artifact_store_downloads_in_progress") >= 16);
            assertThat(metric("artifact_store_downloads_in_progress")).isLessThanOrEqualTo(256);
            service.await("ready during the flood", Duration.ofSeconds(45), () -> service.ready(Duration.ofSeconds(5)));
            System.out.printf("SlowReadersIT: ready %d ms after the first reader%n", Duration.between(start, Instant.now()).toMillis());
            normalClient(token, id, object, listing);
            System.out.printf("SlowReadersIT: %d descriptors (baseline %d) during the flood%n", service.descriptors(), baselineFds);

            // Every reader the server holds is dropped once it has read nothing for a window or two,
            // while the clients still keep their sockets open.
            service.await("descriptors back near the baseline of " + baselineFds, STALL_WINDOW.multipliedBy(3).plusSeconds(45),
                    () -> service.descriptors() <= baselineFds + OWN_DESCRIPTORS);
            System.out.printf("SlowReadersIT: descriptors released %d ms after the first reader; dropped %s%n",
                    Duration.between(start, Instant.now()).toMillis(), metric("artifact_store_slow_readers_dropped_total"));
            assertThat(metric("artifact_store_slow_readers_dropped_total{reason=\"stalled\"")).as("readers dropped as stalled").isPositive();
            normalClient(token, id, object, listing);

            // On the flooded URL a few were served at a time; every other one was refused at once.
            Map<Integer, Integer> statuses = new HashMap<>();
            for (Reader reader : downloads.subList(0, ON_ONE_URL + RANGED_ON_ONE_URL)) {
                Head head = reader.head();
                statuses.merge(head.status(), 1, Integer::sum);
                if (head.status() == 503) {
                    assertThat(head.header("Retry-After")).isNotNull();
                    assertThat(head.header("Content-Type")).isEqualTo("application/problem+json");
                    assertThat(head.header("Connection")).isEqualToIgnoringCase("close");
                }
            }
            System.out.printf("SlowReadersIT: answers on the flooded URL %s%n", statuses);
            byte[] steadyBody = steady.get(OBJECT_SIZE / STEADY_BYTES_PER_SECOND + 30, TimeUnit.SECONDS);
            assertThat(sha256(steadyBody)).as("the steady reader got the whole object").isEqualTo(sha256(object));
            System.out.printf("SlowReadersIT: the steady reader took %d ms%n", Duration.between(start, Instant.now()).toMillis());
            assertThat(statuses.keySet()).containsAnyOf(200, 206).contains(503);
            assertThat(statuses.get(503)).isGreaterThan((ON_ONE_URL + RANGED_ON_ONE_URL) * 9 / 10);
        } finally {
            everyone.forEach(Reader::close);
        }

        service.await("connections back to the baseline of " + baselineConnections, Duration.ofSeconds(30),
                () -> service.apiConnections() <= baselineConnections);
        normalClient(token, id, object, listing);
        assertThat(service.ready(Duration.ofSeconds(5))).isTrue();
        assertThat(service.log()).doesNotContain("OutOfMemoryError");
        // Dropping a reader, or a reader hanging up, is no fault of the service.
        assertThat(service.log().lines().filter(line -> line.contains("\"level\":\"ERROR\""))).as("ERROR lines").isEmpty();
    }

    private static void normalClient(String token, String id, byte[] object, String listing) {
        var download = SignedUrlClient.get(downloadUrl(token, id, 600));
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(sha256(download.body())).isEqualTo(sha256(object));
        assertThat(api(token).get(listing).then().statusCode(200).extract().jsonPath().getList("items")).hasSize(LISTED_ARTIFACTS + 1);
    }

    private static String uploadedArtifact(String token, byte[] data, Map<String, String> metadata) {
        JsonPath created = create(token, data.length, metadata);
        var put = SignedUrlClient.put(created.getString("upload.url"), Map.of("Content-Type", "image/png"), data);
        assertThat(put.statusCode()).as(new String(put.body())).isEqualTo(200);
        String id = created.getString("artifact.id");
        api(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        return id;
    }

    private static JsonPath create(String token, long size, Map<String, String> metadata) {
        return api(token).body(Map.of("type", "image", "boardId", "slow", "contentType", "image/png", "size", size, "metadata", metadata))
                .post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
    }

    private static String downloadUrl(String token, String id, int expiresIn) {
        return api(token).queryParam("expiresIn", expiresIn).get("/api/v1/artifacts/{id}/download-url", id)
                .then().statusCode(200).extract().jsonPath().getString("url");
    }

    private static io.restassured.specification.RequestSpecification api(String token) {
        return RestAssured.given().port(apiPort).auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static String pathOf(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }

    private static byte[] randomPng(int size) {
        byte[] data = new byte[size];
        new Random(19).nextBytes(data);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}; // prod checks the first bytes
        System.arraycopy(png, 0, data, 0, png.length);
        return data;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sum of the series whose line starts with {@code prefix} (a name, or a name and the start of its labels). */
    private static double metric(String prefix) {
        String metrics = RestAssured.given().port(service.managementPort()).get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(line -> line.startsWith(prefix) && " {,}".indexOf(line.charAt(prefix.length())) >= 0)
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** A client that sends one GET on a socket with a tiny receive buffer and reads nothing until asked. */
    private record Reader(Socket socket) {

        static Reader get(String pathAndQuery, Map<String, String> headers) {
            return get(pathAndQuery, headers, 2048);
        }

        static Reader get(String pathAndQuery, Map<String, String> headers, int receiveBuffer) {
            try {
                Socket socket = new Socket();
                socket.setReceiveBufferSize(receiveBuffer); // before connect, so that the window stays small
                socket.connect(new InetSocketAddress("127.0.0.1", apiPort), 5000);
                StringBuilder request = new StringBuilder("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
                headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
                socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
                return new Reader(socket);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The body of a 200 answer, read at about {@code bytesPerSecond}. */
        byte[] steadyBody(int bytesPerSecond) {
            Head head = head();
            assertThat(head.status()).isEqualTo(200);
            int length = Integer.parseInt(head.header("Content-Length"));
            byte[] body = new byte[length];
            int chunk = bytesPerSecond / 10;
            try (socket) {
                socket.setSoTimeout(30_000);
                InputStream in = socket.getInputStream();
                for (int read = 0; read < length; ) {
                    int n = in.readNBytes(body, read, Math.min(chunk, length - read));
                    if (n == 0) {
                        throw new IOException("The answer ended after " + read + " of " + length + " bytes");
                    }
                    read += n;
                    Thread.sleep(100);
                }
                return body;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** The status line and headers of the answer, read at last. */
        Head head() {
            try {
                socket.setSoTimeout(5000);
                InputStream in = socket.getInputStream();
                String status = line(in);
                Map<String, String> headers = new HashMap<>();
                for (String line = line(in); !line.isEmpty(); line = line(in)) {
                    int colon = line.indexOf(':');
                    headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
                return new Head(Integer.parseInt(status.split(" ")[1]), headers);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b == -1) {
                    throw new IOException("Connection closed before a full head");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    private record Head(int status, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
