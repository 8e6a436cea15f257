package io.artifactstore.api;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests refused by the HTTP layer. Whatever reaches the router answers problem+json. What the
 * codec refuses (a request line or headers over the limits, a malformed Content-Length) and what
 * Quarkus' URI check refuses (a target that is no valid URI) is answered before any handler of ours
 * runs, and Quarkus 3.34 offers no hook there (quarkusio/quarkus#55082): those keep their status,
 * with an empty body, and the connection is closed.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class HttpLayerErrorsTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);

    @Test
    void oddPathsThatReachTheRouterAnswerProblemJson() {
        for (String path : new String[] {"/a/../../etc", "/nope", "/storage/%00", "/storage/local/a%2F..%2Fb"}) {
            RawHttp.Response answer = send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", false);
            assertThat(answer.status()).as(path).isBetween(400, 404);
            assertThat(answer.header("Content-Type")).as(path).isEqualTo("application/problem+json");
        }
    }

    @Test
    void refusalsBeforeTheRouterKeepTheirStatusAndClose() {
        assertThat(send("GET /api/v1/artifacts?q=" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", true).status())
                .isEqualTo(414);
        assertThat(send("GET /api/v1/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n", true).status())
                .isEqualTo(431);
        assertThat(send("POST /api/v1/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n", true).status())
                .isEqualTo(400);
        assertThat(send("GET /api/v1/artifacts/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", false).status()).isEqualTo(400);
    }

    private static RawHttp.Response send(String request, boolean closes) {
        try (RawHttp client = RawHttp.open(ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class))) {
            RawHttp.Response answer = client.send(request).read(ANSWER);
            if (closes) {
                assertThat(client.closedByServer(ANSWER)).as("closed after %d", answer.status()).isTrue();
            }
            return answer;
        }
    }
}
