package io.artifactstore.artifact;

import io.artifactstore.core.Ulid;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.CapturedLogs;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that hang up (mid-request, mid-response, with a FIN or a reset) or send malformed requests
 * are routine: they never produce an ERROR line or a stack trace (README, "Operations"), on the API,
 * the streamed upload and the local provider's signed PUT and GET; the service answers the next client.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class ClientHangUpsTest {

    private static final int BIG = 16 << 20;

    private final String token = Tokens.readerWriter("hangups-" + Ulid.next().toLowerCase());
    private final int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);

    @Test
    void hangUpsAndMalformedRequestsLogNoErrorAndNoStack() throws Exception {
        String download = bigDownloadUrl();
        String auth = "Authorization: Bearer " + token + "\r\n";
        try (CapturedLogs logs = CapturedLogs.start()) {
            for (boolean reset : new boolean[]{false, true}) {
                // Mid-request: a JSON body, a signed PUT, a streamed upload, each cut after part of the body.
                String json = "{\"type\":\"intermediate\",\"contentType\":\"application/octet-stream\",\"size\":10,\"filename\":\"x\"}";
                cut("POST /api/v1/artifacts HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nContent-Length: "
                        + (json.length() + 50) + "\r\n\r\n" + json, 0, reset);
                JsonPath pending = pending(4096);
                URI put = URI.create(pending.getString("upload.url"));
                cut("PUT " + put.getRawPath() + "?" + put.getRawQuery() + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: 4096\r\n\r\n" + "a".repeat(1000), 0, reset);
                cut("PUT /api/v1/artifacts/" + pending.getString("artifact.id") + "/content HTTP/1.1\r\nHost: x\r\n" + auth
                        + "Content-Type: application/octet-stream\r\nContent-Length: 4096\r\n\r\n" + "a".repeat(1000), 0, reset);
                // Mid-response: a big signed GET and a listing, closed after the first bytes of the answer.
                URI get = URI.create(download);
                cut("GET " + get.getRawPath() + "?" + get.getRawQuery() + " HTTP/1.1\r\nHost: x\r\n\r\n", 100, reset);
                cut("GET " + get.getRawPath() + "?" + get.getRawQuery() + " HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9999999\r\n\r\n", 100, reset);
                cut("GET /api/v1/artifacts?limit=1000 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n", 1, reset);
                // Malformed requests, and one cut inside its head.
                cut("GARBAGE\r\n\r\n", 0, reset);
                cut("GET /api/v1/artifacts HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 0, reset);
                cut("GET /api/v1/artifacts HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 0, reset);
                cut("POST /api/v1/artifacts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nzz\r\n", 0, reset);
                cut("GET /api/v1/arti", 0, reset);
                cut("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 0, reset);
            }
            Thread.sleep(3000); // the server notices the last closes
            as(token).get("/api/v1/artifacts").then().statusCode(200);
            List<LogRecord> loud = logs.records().stream()
                    .filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue()
                            || r.getLevel().intValue() >= Level.INFO.intValue() && r.getThrown() != null)
                    .toList();
            assertThat(loud).as("ERROR lines or stack traces: %s", describe(loud)).isEmpty();
        }
    }

    /** Opens a connection, sends {@code request}, reads {@code readFirst} bytes of the answer, then closes (or resets). */
    private void cut(String request, int readFirst, boolean reset) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(5000);
            socket.setReceiveBufferSize(4096);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (readFirst > 0) {
                InputStream in = socket.getInputStream();
                in.readNBytes(readFirst);
            } else {
                try {
                    Thread.sleep(100); // let the server start on it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (reset) {
                socket.setSoLinger(true, 0);
            }
        }
    }

    private JsonPath pending(int size) {
        return create(token, new HashMap<>(Map.of("type", "intermediate", "contentType", "application/octet-stream",
                "size", size, "filename", "x.bin")));
    }

    private String bigDownloadUrl() {
        JsonPath created = pending(BIG);
        assertThat(SignedUrlClient.put(ticket(created), new byte[BIG]).statusCode()).isEqualTo(200);
        String id = created.getString("artifact.id");
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        return as(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200).extract().path("url");
    }

    private static String describe(List<LogRecord> records) {
        StringBuilder text = new StringBuilder();
        for (LogRecord r : records) {
            text.append('\n').append(r.getLevel()).append(' ').append(r.getLoggerName()).append(": ").append(r.getMessage())
                    .append(r.getThrown() == null ? "" : " [" + r.getThrown() + "]");
        }
        return text.toString();
    }
}
