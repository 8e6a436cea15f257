package io.artifactstore.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.PackagedService;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.artifactstore.security.Roles;
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
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service, in its own JVM with the benchmarked heap (-Xmx96m), flooded on every route:
 * each operation of its OpenAPI document, a local signed URL (PUT and GET), the OpenAPI document, an
 * unknown path, and the management port's routes, each with and without a token, by connections that
 * send a request head and part of a body, then stall; and by connections that send half a head. While
 * they hang, readiness answers and a normal client creates, uploads, completes and downloads. Every
 * stalled request on the API port is answered with {@code Connection: close} and closed within seconds
 * (not at the 60 s idle timeout), those on the management port (which reads bodies before any route
 * runs) are closed by their deadlines, every half head is closed by the head timeout, connections are
 * capped per client address and in total, and afterwards every socket and descriptor is released,
 * with the heap bounded throughout.
 */
class FloodIT {

    private static final int PER_ROUTE = 16;
    private static final int HALF_HEADS = 300;
    private static final int MAX_PER_ADDRESS = 150;
    private static final int MAX_TOTAL = 1600;
    private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(4);
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(4);
    /** Announced by each stalled request: under the API's 1 MiB, so only the stall is refused. */
    private static final int ANNOUNCED = 512 * 1024;
    private static final byte[] PART_OF_A_BODY = ("{\"type\": \"image\", \"boardId\": \"" + "x".repeat(4000)).getBytes();
    private static final String ID = "01JDFL00D000000000000000AA";

    static {
        // The signed-URL client's pooled connections would otherwise stay until the service's idle timeout
        // and count as left behind; real clients keep them for less than the server does, so does this one.
        System.setProperty("jdk.httpclient.keepalive.timeout", "2");
    }

    private static PackagedService service;
    private static ArtifactStoreTestResource resources;
    private static int apiPort;
    private static int managementPort;
    private static int nextAddress;

    @BeforeAll
    static void startThePackagedService() throws Exception {
        resources = new ArtifactStoreTestResource();
        Map<String, String> settings = resources.start();
        service = new PackagedService("flood-it", settings, Map.of(
                "artifact-store.signing.secret", UUID.randomUUID() + "-" + UUID.randomUUID(),
                "artifact-store.api-docs.enabled", "true", // the route table comes from the service's own document
                "artifact-store.connections.max-per-address", Integer.toString(MAX_PER_ADDRESS),
                "artifact-store.connections.max-total", Integer.toString(MAX_TOTAL),
                "artifact-store.connections.head-timeout", HEAD_TIMEOUT.toSeconds() + "s",
                "artifact-store.api.body-timeout", BODY_TIMEOUT.toSeconds() + "s")).start();
        apiPort = service.apiPort();
        managementPort = service.managementPort();
        service.awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (service != null) {
            service.stop(Duration.ofSeconds(20));
            resources.stop();
        }
    }

    @Test
    void floodsOfStalledRequestsOnEveryRouteAreEndedInSecondsAndLeaveNothingBehind() throws IOException {
        String token = Tokens.of("flood", Roles.READ, Roles.WRITE, Roles.ADMIN);
        normalClient(token); // also installs each port's connection gate
        long descriptors = service.descriptors();
        long sockets = portDescriptors();
        long connections = service.apiConnections();
        List<Route> routes = routes(token);
        System.out.printf("FloodIT: %d routes (with and without a token), %d descriptors and %d API connections before%n",
                routes.size(), descriptors, connections);

        List<Stalled> stalled = new ArrayList<>();
        List<RawHttp> halfHeads = new ArrayList<>();
        Instant start = Instant.now();
        try {
            for (Route route : routes) {
                String address = nextAddress(); // a client address per route: the flood stays under the per-address bound
                for (int i = 0; i < PER_ROUTE; i++) {
                    stalled.add(new Stalled(route, RawHttp.open(route.port(), address).send(route.head()).send(PART_OF_A_BODY)));
                }
            }
            for (int i = 0; i < HALF_HEADS; i++) {
                int port = i % 2 == 0 ? apiPort : managementPort;
                String address = i % MAX_PER_ADDRESS == 0 ? nextAddress() : currentAddress();
                halfHeads.add(RawHttp.open(port, address).send("POST /api/v1/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le"));
            }
            Instant flooded = Instant.now();
            System.out.printf("FloodIT: %d connections opened in %d ms%n", stalled.size() + halfHeads.size(),
                    Duration.between(start, flooded).toMillis());

            // While they hang: readiness answers at once, a normal client is served, the heap is bounded.
            Instant before = Instant.now();
            assertThat(service.ready(Duration.ofSeconds(15))).as("ready during the flood").isTrue();
            System.out.printf("FloodIT: ready during the flood after %d ms%n", Duration.between(before, Instant.now()).toMillis());
            normalClient(token);
            assertHeapBounded();

            // Each stalled request is answered (refused, or ended when its body is overdue) and its connection closed;
            // on the management port, whose body handler reads some bodies before any route runs, the connection may
            // be closed by its deadline without an answer.
            Map<String, Integer> statuses = new TreeMap<>();
            for (Stalled one : stalled) {
                RawHttp.Response answer;
                try {
                    answer = one.client().read(BODY_TIMEOUT.plusSeconds(20));
                } catch (UncheckedIOException closed) {
                    assertThat(closed.getCause()).as("%s closed, not left waiting", one.route().name())
                            .isNotInstanceOf(java.net.SocketTimeoutException.class);
                    assertThat(one.route().port()).as("%s answered", one.route().name()).isEqualTo(managementPort);
                    statuses.merge(one.route().name() + " closed", 1, Integer::sum);
                    continue;
                }
                statuses.merge(one.route().name() + " " + answer.status(), 1, Integer::sum);
                assertThat(answer.header("Connection")).as("%s answered %d", one.route().name(), answer.status()).isEqualTo("close");
                assertThat(one.client().closedByServer(Duration.ofSeconds(5))).as("%s closed", one.route().name()).isTrue();
            }
            Duration answered = Duration.between(start, Instant.now());
            System.out.printf("FloodIT: every stalled request answered and closed %d ms after the first connection: %s%n",
                    answered.toMillis(), statuses);
            assertThat(answered).as("ended in seconds, not at the idle timeout").isLessThan(Duration.ofSeconds(40));

            // Half heads are closed by the head timeout.
            for (RawHttp half : halfHeads) {
                Duration left = Duration.between(Instant.now(), flooded.plus(HEAD_TIMEOUT).plusSeconds(10));
                assertThat(half.closedByServer(left.isNegative() ? Duration.ofMillis(1) : left)).as("half head closed").isTrue();
            }
            assertThat(Duration.between(flooded, Instant.now())).isLessThan(HEAD_TIMEOUT.plusSeconds(15));
        } finally {
            stalled.forEach(one -> one.client().close());
            halfHeads.forEach(RawHttp::close);
        }
        releasedAndAlive(token, descriptors, sockets, connections);

        connectionsAreCappedPerAddressAndInTotal(token);
        releasedAndAlive(token, descriptors, sockets, connections);
    }

    /** Keep-alive connections, each with one request answered: they stay open until the idle timeout, unless over a bound. */
    private void connectionsAreCappedPerAddressAndInTotal(String token) {
        List<RawHttp> open = new ArrayList<>();
        try {
            String crowded = nextAddress();
            for (int i = 0; i < MAX_PER_ADDRESS; i++) {
                open.add(answered(RawHttp.open(apiPort, crowded)));
            }
            for (int i = 0; i < 10; i++) {
                RawHttp over = RawHttp.open(apiPort, crowded);
                open.add(over);
                assertThat(over.closedByServer(Duration.ofSeconds(2))).as("a connection over the address's bound is closed at once").isTrue();
            }
            assertThat(open.get(0).closedByServer(Duration.ofMillis(300))).as("the ones under the bound stay").isFalse();
            open.add(answered(RawHttp.open(apiPort, nextAddress()))); // another address still gets in

            // From fresh addresses, each under its bound, until the port's total bound refuses them.
            int accepted = open.size() - 10;
            int refused = 0;
            String address = nextAddress();
            int fromAddress = 0;
            while (refused < 20 && accepted < MAX_TOTAL + 20) {
                if (fromAddress == MAX_PER_ADDRESS) {
                    address = nextAddress();
                    fromAddress = 0;
                }
                RawHttp client = RawHttp.open(apiPort, address);
                open.add(client);
                try {
                    answered(client);
                    accepted++;
                    fromAddress++;
                } catch (UncheckedIOException closedAtOnce) {
                    refused++;
                }
            }
            System.out.printf("FloodIT: %d connections accepted, then %d refused%n", accepted, refused);
            assertThat(refused).as("connections over the total bound are closed at once").isEqualTo(20);
            assertThat(accepted).isBetween(MAX_TOTAL - 50, MAX_TOTAL);
            assertThat(service.ready(Duration.ofSeconds(5))).as("the management port has bounds of its own").isTrue();
            assertHeapBounded();
        } finally {
            open.forEach(RawHttp::close);
        }
    }

    private static RawHttp answered(RawHttp client) {
        RawHttp.Response answer = client.send("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read(Duration.ofSeconds(10));
        assertThat(answer.status()).isEqualTo(404);
        return client;
    }

    private void releasedAndAlive(String token, long descriptors, long sockets, long connections) {
        service.await("API connections back to " + connections, Duration.ofSeconds(30), () -> service.apiConnections() <= connections);
        service.await("descriptors of both ports' connections back to " + sockets, Duration.ofSeconds(30), () -> portDescriptors() <= sockets);
        // Beyond those: the database pool may have grown to its 16 connections meanwhile.
        assertThat(service.descriptors()).as("descriptors").isLessThanOrEqualTo(descriptors + 16 + 10);
        normalClient(token);
        assertThat(service.ready(Duration.ofSeconds(5))).isTrue();
        assertThat(service.log()).doesNotContain("OutOfMemoryError");
    }

    /** Every operation of the OpenAPI document, then the routes it does not list; each with and without a token. */
    private static List<Route> routes(String token) {
        JsonNode document;
        try {
            document = new ObjectMapper().readTree(RestAssured.given().port(apiPort).get("/q/openapi?format=json")
                    .then().statusCode(200).extract().asString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String[]> table = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
                String method = methods.next().toUpperCase(Locale.ROOT);
                if (List.of("GET", "POST", "PUT", "DELETE").contains(method)) { // HEAD answers carry no body to read
                    String concrete = path.getKey().replaceAll("\\{[^}]+}", ID).replace("/storage/" + ID + "/" + ID, "/storage/local/" + ID);
                    table.add(new String[] {method, concrete, "api"});
                }
            }
        }
        assertThat(table.size()).as("operations in the document").isGreaterThan(15);
        String signed = "?expires=9999999999&size=10&contentType=image%2Fpng&kid=0&signature=forged";
        table.add(new String[] {"PUT", "/storage/local/flood/" + ID + signed, "api"});
        table.add(new String[] {"GET", "/storage/local/flood/" + ID + signed, "api"});
        table.add(new String[] {"GET", "/q/openapi", "api"});
        table.add(new String[] {"POST", "/q/swagger-ui/", "api"});
        table.add(new String[] {"POST", "/nowhere/" + ID, "api"});
        table.add(new String[] {"GET", "/q/health/ready", "management"});
        table.add(new String[] {"POST", "/q/metrics", "management"});
        table.add(new String[] {"PUT", "/nowhere/" + ID, "management"});
        List<Route> routes = new ArrayList<>();
        for (String[] row : table) {
            int port = row[2].equals("api") ? apiPort : managementPort;
            routes.add(new Route(row[0], row[1], port, null));
            routes.add(new Route(row[0], row[1], port, token));
        }
        return routes;
    }

    private record Route(String method, String path, int port, String token) {
        String name() {
            return method + " " + path.replaceAll("\\?.*", "") + (port == apiPort ? "" : " (management)") + (token == null ? "" : " +token");
        }

        String head() {
            return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + "Content-Type: " + (path.startsWith("/storage/") ? "image/png" : "application/json") + "\r\n"
                    + "Content-Length: " + ANNOUNCED + "\r\n\r\n";
        }
    }

    private record Stalled(Route route, RawHttp client) {
    }

    /** A fresh client address in 127.0.0.0/8 (127.0.0.1 is the normal client's). */
    private static String nextAddress() {
        nextAddress++;
        return currentAddress();
    }

    private static String currentAddress() {
        return "127.0." + (10 + nextAddress / 250) + "." + (1 + nextAddress % 250);
    }

    /** Create a ticket, PUT the bytes to it, complete, get a download URL and download: what a real client does. */
    private static void normalClient(String token) {
        byte[] data = new byte[1024];
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}; // a PNG's signature: prod checks the first bytes
        System.arraycopy(png, 0, data, 0, png.length);
        JsonPath created = api(token).body(Map.of("type", "image", "boardId", "flood", "contentType", "image/png", "size", data.length))
                .post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
        var put = SignedUrlClient.put(created.getString("upload.url"), Map.of("Content-Type", "image/png"), data);
        assertThat(put.statusCode()).as(new String(put.body())).isEqualTo(200);
        String id = created.getString("artifact.id");
        api(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        String url = api(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200).extract().path("url");
        var download = SignedUrlClient.get(url, Map.of());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(data);
    }

    private static io.restassured.specification.RequestSpecification api(String token) {
        return RestAssured.given().port(apiPort).auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static void assertHeapBounded() {
        Map<String, Double> heap = service.heap();
        double used = heap.get("used");
        double max = heap.get("max");
        System.out.printf("FloodIT: heap used %.1f MiB of %.1f MiB%n", used / 1048576, max / 1048576);
        assertThat(used).isLessThan(max * 0.9);
    }

    /** The service's descriptors of accepted connections on the API or management port (not their listening sockets). */
    private static long portDescriptors() {
        java.util.Set<String> inodes = new java.util.HashSet<>();
        List<String> ports = List.of(String.format(":%04X ", apiPort), String.format(":%04X ", managementPort));
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try (Stream<String> lines = Files.lines(Path.of(table))) {
                lines.skip(1).map(String::trim).map(line -> line.split("\\s+"))
                        .filter(f -> ports.stream().anyMatch(port -> (f[1] + " ").contains(port)) && !f[3].equals("0A"))
                        .forEach(f -> inodes.add(f[9]));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(service.pid()), "fd"))) {
            return fds.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1));
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
