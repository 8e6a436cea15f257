package io.artifactstore.api;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.Management;
import io.artifactstore.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request answered before its body arrived, on any route of either port and whoever answers it,
 * leaves no connection waiting for that body: the answer says {@code Connection: close} and the
 * connection closes right after (not at the 60 s idle timeout). A body that stalls where no route of
 * ours can see it (the management port reads bodies first) is ended by the connection's body deadline,
 * and a connection that does not complete a head by {@code connections.head-timeout}: its first, or the
 * next one on a kept-alive connection. {@code FloodIT} does the same by the
 * thousand against the packaged jar.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class UnreadBodiesTest {

    private static final String PARTIAL = "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"type\": \"im";

    @Test
    void answersBeforeTheBodyCloseTheConnection() {
        int api = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        assertAnsweredAndClosed(api, "POST /api/v1/artifacts", 401); // refused by authentication, before JAX-RS reads the body
        assertAnsweredAndClosed(api, "PUT /api/v1/artifacts/01JDUNREAD000000000000000A", 405);
        assertAnsweredAndClosed(api, "POST /nowhere", 404);
        assertAnsweredAndClosed(api, "POST /q/openapi", 200); // Quarkus' own route, which ignores the body
    }

    @Test
    void stalledBodiesOnTheManagementPortAreEndedByTheBodyDeadline() {
        // Quarkus reads every body on the management port before any route runs: only the connection's deadline ends it.
        Duration timeout = ConfigProvider.getConfig().getValue("artifact-store.api.body-timeout", Duration.class);
        try (RawHttp metrics = RawHttp.open(Management.port()); RawHttp unknown = RawHttp.open(Management.port())) {
            Instant start = Instant.now();
            metrics.send("POST /q/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" + PARTIAL);
            unknown.send("POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n" + PARTIAL);
            assertThat(metrics.closedByServer(timeout.plusSeconds(15))).isTrue();
            assertThat(unknown.closedByServer(Duration.ofSeconds(5))).isTrue();
            assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(timeout.minusMillis(500));
        }
    }

    @Test
    void aHeadThatNeverEndsIsClosedByTheHeadTimeout() {
        Duration timeout = ConfigProvider.getConfig().getValue("artifact-store.connections.head-timeout", Duration.class);
        int api = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        try (RawHttp half = RawHttp.open(api)) {
            Instant start = Instant.now();
            half.send("GET /api/v1/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz");
            assertThat(half.closedByServer(timeout.plusSeconds(10))).isTrue();
            assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(timeout.minusMillis(500));
        }
    }

    @Test
    void aLaterHeadOnAKeptAliveConnectionIsHeldToTheHeadTimeoutToo() {
        Duration timeout = ConfigProvider.getConfig().getValue("artifact-store.connections.head-timeout", Duration.class);
        int api = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        try (RawHttp apiPort = RawHttp.open(api); RawHttp management = RawHttp.open(Management.port())) {
            assertKeptAlive(apiPort, "GET /api/v1/artifacts", 401);
            assertKeptAlive(management, "GET /q/health/live", 200);
            Instant start = Instant.now();
            apiPort.send("GET /api/v1/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz");
            management.send("GET /q/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAcce");
            assertThat(apiPort.closedByServer(timeout.plusSeconds(10))).as("API port").isTrue();
            assertThat(management.closedByServer(Duration.ofSeconds(5))).as("management port").isTrue();
            assertThat(Duration.between(start, Instant.now())).isGreaterThanOrEqualTo(timeout.minusMillis(500));
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsLeftToTheIdleTimeout() throws InterruptedException {
        Duration timeout = ConfigProvider.getConfig().getValue("artifact-store.connections.head-timeout", Duration.class);
        int api = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        try (RawHttp apiPort = RawHttp.open(api)) {
            assertKeptAlive(apiPort, "GET /api/v1/artifacts", 401);
            // A proxy's pooled connection idles between requests: the head deadline starts with the next head's first byte.
            Thread.sleep(timeout.plusSeconds(2).toMillis());
            assertKeptAlive(apiPort, "GET /api/v1/artifacts", 401);
        }
    }

    /** A whole request, answered on a connection that stays open for the next one. */
    private static void assertKeptAlive(RawHttp client, String requestLine, int status) {
        RawHttp.Response answer = client.send(requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read(Duration.ofSeconds(20));
        assertThat(answer.status()).as(requestLine).isEqualTo(status);
        assertThat(answer.header("Connection")).as(requestLine).isNotEqualTo("close");
    }

    private static void assertAnsweredAndClosed(int port, String requestLine, int status) {
        try (RawHttp client = RawHttp.open(port)) {
            RawHttp.Response answer = client.send(requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + PARTIAL).read(Duration.ofSeconds(20));
            assertThat(answer.status()).as(requestLine).isEqualTo(status);
            assertThat(answer.header("Connection")).as(requestLine).isEqualTo("close");
            assertThat(client.closedByServer(Duration.ofSeconds(5))).as("%s closed", requestLine).isTrue();
        }
    }
}
