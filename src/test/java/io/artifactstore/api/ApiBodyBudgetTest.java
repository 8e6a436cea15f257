package io.artifactstore.api;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Large API bodies arriving at once are held to {@code artifact-store.api.max-buffered-bodies} (8M):
 * 40 authenticated calls that announce 900 KB each and stall would hold 36 MB of heap once their bytes
 * came; those past the budget are refused with 503 and {@code Retry-After} before a byte is read, and
 * closed, while a ticket request (a small body) is served all along.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class ApiBodyBudgetTest {

    private static final int ANNOUNCED = 900_000;

    @Test
    void largeBodiesArrivingAtOnceAreHeldToTheBudget() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        String token = Tokens.readerWriter("budget");
        List<RawHttp> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                stalled.add(RawHttp.open(port).send("POST /api/v1/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + ANNOUNCED + "\r\n\r\n{\"type\": \"image\""));
            }
            given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body(Map.of("type", "image", "boardId", "budget", "contentType", "image/png", "size", 10))
                    .post("/api/v1/artifacts").then().statusCode(201);

            // By now every refusal was sent: 8M holds 9 of them (in whatever order they arrived), every other one is refused.
            int refused = 0;
            for (RawHttp client : stalled) {
                RawHttp.Response answer;
                try {
                    answer = client.read(Duration.ofMillis(500));
                } catch (UncheckedIOException admitted) {
                    continue; // its body is awaited, until the body timeout
                }
                if (answer.status() == 408) {
                    continue; // admitted, and already ended by the body timeout
                }
                assertThat(answer.status()).isEqualTo(503);
                assertThat(answer.header("Retry-After")).isNotNull();
                assertThat(client.closedByServer(Duration.ofSeconds(5))).isTrue();
                refused++;
            }
            assertThat(refused).isEqualTo(40 - 9);
        } finally {
            stalled.forEach(RawHttp::close);
        }
    }
}
