package io.artifactstore.ops;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.Management;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code uri} label of the HTTP server metrics is a route template or a fixed word, never a
 * client's path: hundreds of distinct paths without a token, each refused before or by routing in
 * another way (401, 404, 405, 408, 411, 413, a CORS refusal, a bad signature), leave a bounded set of
 * labels, and a route called for the first time afterwards still gets its own.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class MetricLabelsTest {

    private static final Pattern URI = Pattern.compile("^http_server_requests_seconds_count\\{[^}]*uri=\"([^\"]*)\"", Pattern.MULTILINE);
    private static final Duration ANSWER = Duration.ofSeconds(15);

    @Test
    void refusedPathsNeverBecomeLabels() {
        String marker = "zz" + UUID.randomUUID().toString().substring(0, 8);
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        for (int i = 0; i < 40; i++) {
            String id = marker + i;
            for (String request : new String[] {
                    "GET /api/v1/artifacts/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n", // 401 on a template
                    "GET /" + id + " HTTP/1.1\r\nHost: x\r\n\r\n", // 404
                    "PATCH /api/v1/artifacts/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n", // 405
                    "POST /api/v1/artifacts/" + id + "/complete HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n\r\n", // 413
                    "POST /api/v" + id + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", // 411
                    "GET /api/v1/artifacts/" + id + " HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n", // CORS 403
                    "GET /storage/local/" + id + "?signature=x HTTP/1.1\r\nHost: x\r\n\r\n", // 403, bad signature
                    "GET /q/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n", // 404 under /q
                    "OPTIONS /" + id + " HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost\r\nAccess-Control-Request-Method: PUT\r\n\r\n",
            }) {
                try (RawHttp client = RawHttp.open(port)) {
                    client.send(request).read(ANSWER);
                }
            }
        }

        given().auth().oauth2(Tokens.readerWriter("labels")).get("/api/v1/usage").then().statusCode(200);
        Set<String> labels = labelsOnceScraped("/api/v1/usage");
        assertThat(labels).as("labels").noneMatch(label -> label.contains(marker));
        assertThat(labels.size()).as("labels %s", labels).isLessThan(40);
    }

    /** The uri labels, once the route just called appears (the meter is recorded as its answer ends). */
    private static Set<String> labelsOnceScraped(String awaited) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Set<String> labels = new TreeSet<>();
            Matcher uris = URI.matcher(Management.given().get("/q/metrics").then().statusCode(200).extract().asString());
            while (uris.find()) {
                labels.add(uris.group(1));
            }
            if (labels.contains(awaited) || System.nanoTime() > deadline) {
                assertThat(labels).as("a route called after the flood gets its label").contains(awaited);
                return labels;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
