package io.artifactstore.provider.local;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signed PUTs hold a socket, a file and heap while they run, so they are bounded: one at a time per
 * URL, a few in all, none stalled, trickling or running past its URL's expiry. Real sockets, sending
 * exactly what a stalling or trickling client sends.
 */
@QuarkusTest
@TestProfile(UploadBoundsProfile.class)
@QuarkusTestResource(ArtifactStoreTestResource.class)
class UploadBoundsTest {

    private static final Duration ANSWER = Duration.ofSeconds(10);

    private final String token = Tokens.readerWriter("bounds");
    private final String otherTenant = Tokens.readerWriter("bounds-other");
    private final List<RawHttp> open = new ArrayList<>();

    @AfterEach
    void closeConnections() {
        open.forEach(RawHttp::close);
        await("every upload slot is free again", () -> partFiles() == 0);
    }

    @Test
    void aSecondUploadOfTheSameUrlIsRefusedWith429BeforeAnyFileIsOpened() {
        JsonPath ticket = create(1000);
        RawHttp first = connect().send(head(ticket, 1000)).send(new byte[10]);
        await("the first upload writes its file", () -> partFiles() == 1);

        RawHttp second = connect().send(head(ticket, 1000));
        RawHttp.Response refused = second.read(ANSWER);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(refused.header("Retry-After")).isEqualTo("2");
        assertThat(refused.body()).contains("\"status\":429");
        assertThat(second.closedByServer(ANSWER)).isTrue();
        assertThat(partFiles()).isEqualTo(1);

        first.send(new byte[990]);
        assertThat(first.read(ANSWER).status()).isEqualTo(200);
        complete(ticket);
    }

    @Test
    void uploadsBeyondTheGlobalCapAreRefusedWith503UntilOneEnds() {
        List<RawHttp> holders = new ArrayList<>();
        for (int i = 0; i < UploadBoundsProfile.MAX_CONCURRENT; i++) { // two tenants, neither over its share
            holders.add(connect().send(head(create(i % 2 == 0 ? token : otherTenant, 100), 100)).send(new byte[1]));
        }
        await("every slot taken", () -> partFiles() == UploadBoundsProfile.MAX_CONCURRENT);
        String third = Tokens.readerWriter("bounds-third");
        JsonPath extra = create(third, 100);

        RawHttp refused = connect().send(head(extra, 100));
        RawHttp.Response answer = refused.read(ANSWER);
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(answer.header("Retry-After")).isEqualTo(Long.toString(UploadSlots.RETRY_AFTER_FULL_SECONDS));
        assertThat(refused.closedByServer(ANSWER)).isTrue();

        holders.get(0).close(); // a client that goes away frees its slot at once
        await("a slot is free", () -> partFiles() == UploadBoundsProfile.MAX_CONCURRENT - 1);
        RawHttp retry = connect().send(head(extra, 100)).send(new byte[100]);
        assertThat(retry.read(ANSWER).status()).isEqualTo(200);
        complete(third, extra);
    }

    @Test
    void oneTenantsTricklingUploadsTakeOnlyItsShareOfTheSlotsAndOtherTenantsStillUpload() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> tricklers = new ArrayList<>();
        for (int i = 0; i < UploadBoundsProfile.MAX_PER_TENANT; i++) {
            RawHttp slow = connect().send(head(create(token, 1_000_000), 1_000_000));
            tricklers.add(startThread(() -> { // 2.5 KiB/s: above the minimum rate, so never ended as stalled
                while (!done.get()) {
                    try {
                        slow.send(new byte[256]);
                        Thread.sleep(100);
                    } catch (UncheckedIOException | InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        await("the tenant's share is taken", () -> partFiles() == UploadBoundsProfile.MAX_PER_TENANT);

        RawHttp sameTenant = connect().send(head(create(token, 100), 100));
        RawHttp.Response refused = sameTenant.read(ANSWER);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(refused.header("Retry-After")).isEqualTo(Long.toString(UploadSlots.RETRY_AFTER_FULL_SECONDS));
        assertThat(refused.body()).contains("tenant");
        assertThat(sameTenant.closedByServer(ANSWER)).isTrue();

        JsonPath other = create(otherTenant, 100);
        RawHttp.Response served = connect().send(head(other, 100)).send(new byte[100]).read(ANSWER);
        assertThat(served.status()).as(served.body()).isEqualTo(200);
        complete(otherTenant, other);

        done.set(true);
        for (Thread trickler : tricklers) {
            trickler.join();
        }
    }

    @Test
    void aStalledUploadIsEndedWith408AndLeavesNoFile() {
        JsonPath ticket = create(1000);
        Instant start = Instant.now();
        RawHttp stalled = connect().send(head(ticket, 1000)).send(new byte[10]);

        RawHttp.Response answer = stalled.read(ANSWER);
        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(Duration.between(start, Instant.now())).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(5));
        assertThat(stalled.closedByServer(ANSWER)).isTrue();
        await("the partial file is deleted", () -> partFiles() == 0);

        // The URL is free again for a client that sends its body.
        RawHttp.Response retried = connect().send(head(ticket, 1000)).send(new byte[1000]).read(ANSWER);
        assertThat(retried.status()).as(retried.body()).isEqualTo(200);
    }

    @Test
    void aTricklingUploadIsEndedWith408() throws Exception {
        JsonPath ticket = create(1000);
        RawHttp trickling = connect().send(head(ticket, 1000));
        AtomicBoolean answered = new AtomicBoolean();
        Thread trickle = startThread(() -> {
            for (int i = 0; i < 100 && !answered.get(); i++) { // one byte every 200 ms: far below 1 KiB/s
                try {
                    trickling.send(new byte[1]);
                    Thread.sleep(200);
                } catch (UncheckedIOException | InterruptedException e) {
                    return;
                }
            }
        });
        RawHttp.Response answer = trickling.read(ANSWER);
        answered.set(true);
        trickle.join();
        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.body()).contains("fewer than");
        assertThat(trickling.closedByServer(ANSWER)).isTrue();
    }

    @Test
    void anUploadStillRunningWhenItsUrlExpiresIsEnded() throws Exception {
        JsonPath ticket = create(1024 * 1024);
        Instant expires = Instant.parse(ticket.getString("upload.expiresAt"));
        RawHttp slow = connect().send(head(ticket, 1024 * 1024));
        AtomicBoolean answered = new AtomicBoolean();
        Thread sender = startThread(() -> {
            for (int i = 0; i < 100 && !answered.get(); i++) { // 8 KiB/s: above the minimum rate, too slow for the URL
                try {
                    slow.send(new byte[4096]);
                    Thread.sleep(500);
                } catch (UncheckedIOException | InterruptedException e) {
                    return;
                }
            }
        });
        RawHttp.Response answer = slow.read(Duration.ofSeconds(20));
        answered.set(true);
        sender.join();
        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.body()).contains("expired");
        // Within the grace (1 s) and one check (1 s) after the expiry.
        assertThat(Instant.now()).isBetween(expires, expires.plusSeconds(4));
        assertThat(slow.closedByServer(ANSWER)).isTrue();
    }

    @Test
    void anApiBodyThatDoesNotArriveIsEndedWith408() {
        RawHttp client = connect().send("POST /api/v1/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"type\":");
        Instant start = Instant.now();
        RawHttp.Response answer = client.read(ANSWER);
        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(Duration.between(start, Instant.now())).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(5));
        assertThat(client.closedByServer(ANSWER)).isTrue();
    }

    private JsonPath create(long size) {
        return create(token, size);
    }

    private static JsonPath create(String token, long size) {
        Map<String, Object> body = Map.of("type", "image", "boardId", "bounds", "contentType", "image/png", "size", size);
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(body).post("/api/v1/artifacts")
                .then().statusCode(201).extract().jsonPath();
    }

    private void complete(JsonPath ticket) {
        complete(token, ticket);
    }

    private static void complete(String token, JsonPath ticket) {
        given().auth().oauth2(token).contentType(ContentType.JSON).post("/api/v1/artifacts/{id}/complete", ticket.getString("artifact.id"))
                .then().statusCode(200);
    }

    private static String head(JsonPath ticket, long length) {
        return RawHttp.putHead(ticket.getString("upload.url"), "image/png", length);
    }

    private RawHttp connect() {
        RawHttp connection = RawHttp.open(ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class));
        open.add(connection);
        return connection;
    }

    static long partFiles() {
        Path incoming = Path.of(ConfigProvider.getConfig().getValue("artifact-store.providers.local.root", String.class), ".incoming");
        try (Stream<Path> files = Files.list(incoming)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".part")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Thread startThread(Runnable body) {
        Thread thread = new Thread(body, "upload-client");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    static void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(10);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as(what).isBefore(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
