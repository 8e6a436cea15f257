package io.artifactstore.api;

import io.artifactstore.core.Ulid;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.CapturedLogs;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.StoppableDatabaseResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outages answer 503 with Retry-After, never 500, and are logged once, not once per request: the
 * database is really stopped and started again.
 */
@QuarkusTest
@TestProfile(OutagesTest.StoppableDatabase.class)
@QuarkusTestResource(ArtifactStoreTestResource.class)
class OutagesTest {

    public static class StoppableDatabase implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(StoppableDatabaseResource.class));
        }
    }

    private final String writer = Tokens.readerWriter("outages");

    @Inject
    Pool database;

    @Inject
    Outages outages;

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL root;

    @AfterEach
    void everythingIsBack() {
        StoppableDatabaseResource.startDatabase();
        S3TestResource.server().start();
        CircuitBreakerMaintenance.get().resetAll();
    }

    @Test
    void whileAProviderIsDownCompleteAnswers503WithRetryAfterAndDeleteIsStillAcknowledged() {
        Map<String, Object> video = Map.of("type", "video", "contentType", "video/mp4", "size", 3);
        String id = given().auth().oauth2(writer).contentType(ContentType.JSON).body(video).post("/api/v1/artifacts")
                .then().statusCode(201).body("artifact.variants[0].provider", org.hamcrest.Matchers.equalTo(S3TestResource.PROVIDER))
                .extract().path("artifact.id");
        String deleted = given().auth().oauth2(writer).contentType(ContentType.JSON).body(video).post("/api/v1/artifacts")
                .then().statusCode(201).extract().path("artifact.id");
        S3TestResource.server().stop();
        // Failing calls first, then the open breaker refusing them: both are the provider's outage, not our bug.
        for (int i = 0; i < 6; i++) {
            expect503(given().auth().oauth2(writer).contentType(ContentType.JSON).post("/api/v1/artifacts/{id}/complete", id));
        }
        // A delete needs the store only eventually: the record goes now, a tombstone sweeps the bytes
        // once the store is back (ProviderFaultsTest), so the client is not asked to retry.
        given().auth().oauth2(writer).delete("/api/v1/artifacts/{id}", deleted).then().statusCode(204);
        given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", deleted).then().statusCode(404);
        S3TestResource.server().start();
        CircuitBreakerMaintenance.get().resetAll();
        given().auth().oauth2(writer).contentType(ContentType.JSON).post("/api/v1/artifacts/{id}/complete", id)
                .then().statusCode(409); // reachable again: nothing was uploaded
        given().auth().oauth2(writer).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);
    }

    @Test
    void whileTheDatabaseIsDownCallsAnswer503WithRetryAfterAndTheLogSaysItOnce() {
        assertThat(database.query("SHOW port").execute().await().atMost(Duration.ofSeconds(10))
                .iterator().next().getString(0)).isEqualTo(Integer.toString(StoppableDatabaseResource.port()));
        String id = created();
        given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id).then().statusCode(200);

        CapturedLogs logs = CapturedLogs.start();
        try (logs) {
            StoppableDatabaseResource.stopDatabase();
            for (int i = 0; i < 3; i++) {
                expect503(given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id));
                expect503(given().auth().oauth2(writer).get("/api/v1/artifacts"));
                expect503(given().auth().oauth2(writer).contentType(ContentType.JSON).body(imageRequest()).post("/api/v1/artifacts"));
                expect503(given().auth().oauth2(writer).get("/api/v1/artifacts/{id}/download-url", id));
                expect503(given().auth().oauth2(writer).contentType(ContentType.JSON).post("/api/v1/artifacts/{id}/complete", id));
                expect503(given().auth().oauth2(writer).contentType(ContentType.JSON).delete("/api/v1/artifacts/{id}", Ulid.next()));
            }
            StoppableDatabaseResource.startDatabase();
            awaitStatus(200, () -> given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id));
            Instant deadline = Instant.now().plusSeconds(15);
            while (outages.databaseDown()) {
                assertThat(Instant.now()).as("the probe finds the database back").isBefore(deadline);
                sleep(100);
            }
        }
        List<LogRecord> logged = logs.records();
        assertThat(logged).as("no stack traces").noneMatch(r -> r.getThrown() != null && r.getLevel().intValue() >= Level.WARNING.intValue());
        assertThat(logged.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())).as("no errors").isEmpty();
        assertThat(logged.stream().filter(r -> String.valueOf(r.getMessage()).contains("database unavailable"))).hasSize(1);
        assertThat(logged.stream().filter(r -> String.valueOf(r.getMessage()).contains("database available again"))).hasSize(1);
    }

    /**
     * Many clients on every route while the database is stopped and started again: each call answers
     * as without the outage, or 503 with Retry-After, never 500; the log has no stack frames and no
     * errors; and the service serves everything again once the database is back.
     */
    @Test
    void aDatabaseRestartUnderLoadOnEveryRouteAnswers503NeverA500AndLogsNoStackFrames() throws Exception {
        String admin = Tokens.of("outages", io.artifactstore.security.Roles.READ, io.artifactstore.security.Roles.WRITE,
                io.artifactstore.security.Roles.ADMIN);
        String available = created();
        given().auth().oauth2(writer).contentType("image/png").body(new byte[]{1, 2, 3})
                .put("/api/v1/artifacts/{id}/content", available).then().statusCode(200);
        String pending = created();
        String multipart = given().auth().oauth2(writer).contentType(ContentType.JSON)
                .body(Map.of("type", "image", "contentType", "image/png", "size", 3, "multipart", true))
                .post("/api/v1/artifacts").then().statusCode(201).extract().path("artifact.id");
        String base = root.toString().replaceAll("/$", "");
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        java.util.function.BiFunction<String, String, java.net.http.HttpRequest.Builder> call = (token, path) ->
                java.net.http.HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + token);
        String ticket = "{\"type\":\"image\",\"contentType\":\"image/png\",\"size\":3}";
        List<java.util.function.Supplier<java.net.http.HttpRequest>> calls = List.of(
                () -> call.apply(writer, "/api/v1/artifacts").header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(ticket)).build(),
                () -> call.apply(writer, "/api/v1/artifacts/" + available).GET().build(),
                () -> call.apply(writer, "/api/v1/artifacts?limit=5").GET().build(),
                () -> call.apply(writer, "/api/v1/artifacts/" + available + "/download-url").GET().build(),
                () -> call.apply(writer, "/api/v1/artifacts/" + available + "/content").GET().build(),
                () -> call.apply(writer, "/api/v1/artifacts/" + available + "/complete").header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                () -> call.apply(writer, "/api/v1/artifacts/" + pending + "/complete").header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                () -> call.apply(writer, "/api/v1/artifacts/" + Ulid.next()).DELETE().build(),
                () -> call.apply(writer, "/api/v1/artifacts/" + multipart + "/multipart").header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                () -> call.apply(writer, "/api/v1/artifacts/" + pending + "/content").header("Content-Type", "image/png")
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[]{9, 9})).build(),
                () -> call.apply(writer, "/api/v1/usage").GET().build(),
                () -> call.apply(admin, "/api/v1/audit?limit=5").GET().build());
        // What each call answers while the database is up (the PUT of two bytes to a 3-byte variant is a 400).
        java.util.Set<Integer> expected = java.util.Set.of(200, 201, 302, 400, 404, 409, 503);

        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> answers = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Queue<String> unexpected = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(24);
        CapturedLogs logs = CapturedLogs.start();
        try (logs) {
            for (int c = 0; c < 24; c++) {
                int first = c;
                clients.submit(() -> {
                    for (int i = first; running.get(); i++) {
                        java.net.http.HttpRequest request = calls.get(i % calls.size()).get();
                        try {
                            java.net.http.HttpResponse<String> answer = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
                            int status = answer.statusCode();
                            answers.computeIfAbsent(request.method() + " " + status, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                            if (!expected.contains(status) || status == 503 && (answer.headers().firstValue("Retry-After").isEmpty()
                                    || !answer.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"))) {
                                unexpected.add(status + " " + request.method() + " " + request.uri().getPath() + " " + answer.body());
                            }
                        } catch (Exception e) {
                            unexpected.add(e + " " + request.method() + " " + request.uri().getPath());
                        }
                    }
                });
            }
            sleep(1500);
            StoppableDatabaseResource.stopDatabase();
            sleep(3000);
            StoppableDatabaseResource.startDatabase();
            Instant deadline = Instant.now().plusSeconds(30);
            while (outages.databaseDown()) {
                assertThat(Instant.now()).as("the probe finds the database back").isBefore(deadline);
                sleep(100);
            }
            sleep(1500);
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        List<LogRecord> logged = logs.records();
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        soft.assertThat(answers).as("some calls met the outage").containsKey("GET 503");
        soft.assertThat(unexpected).as("answers other than the route's own or a 503 with Retry-After").isEmpty();
        soft.assertThat(logged.stream().filter(r -> r.getThrown() != null && r.getLevel().intValue() >= Level.WARNING.intValue())
                .map(r -> r.getLoggerName() + ": " + r.getMessage() + " " + r.getThrown())).as("no stack traces").isEmpty();
        soft.assertThat(logged.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue()).map(r -> r.getLoggerName() + ": " + r.getMessage()))
                .as("no errors").isEmpty();
        soft.assertAll();
        // Back to normal: every route works again.
        given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", available).then().statusCode(200);
        given().auth().oauth2(writer).get("/api/v1/artifacts/{id}/download-url", available).then().statusCode(200);
        given().auth().oauth2(writer).contentType(ContentType.JSON).body(imageRequest()).post("/api/v1/artifacts").then().statusCode(201);
        given().auth().oauth2(admin).get("/api/v1/audit").then().statusCode(200);
    }

    @Test
    void aClientThatHangsUpMidUploadIsNoError() throws Exception {
        Map<String, Object> big = Map.of("type", "image", "contentType", "image/png", "size", 1 << 20);
        String url = given().auth().oauth2(writer).contentType(ContentType.JSON).body(big).post("/api/v1/artifacts")
                .then().statusCode(201).extract().path("upload.url");
        URI target = URI.create(url);
        CapturedLogs logs = CapturedLogs.start();
        try (logs) {
            for (int i = 0; i < 3; i++) {
                try (Socket socket = new Socket(target.getHost(), target.getPort())) {
                    OutputStream out = socket.getOutputStream();
                    out.write(("PUT " + target.getRawPath() + "?" + target.getRawQuery() + " HTTP/1.1\r\nHost: localhost\r\n"
                            + "Content-Type: image/png\r\nContent-Length: " + (1 << 20) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(new byte[64 * 1024]);
                    out.flush();
                    sleep(200);
                } // hangs up with most of the body unsent
            }
            sleep(1000);
        }
        List<LogRecord> logged = logs.records();
        assertThat(logged).as("nothing at WARN or above").noneMatch(r -> r.getLevel().intValue() >= Level.WARNING.intValue());
    }

    private static void expect503(Response response) {
        response.then().statusCode(503).contentType("application/problem+json").header("Retry-After", s -> Integer.parseInt(s) >= 1,
                org.hamcrest.Matchers.equalTo(true));
    }

    private static void awaitStatus(int status, java.util.function.Supplier<Response> call) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (call.get().statusCode() != status) {
            assertThat(Instant.now()).as("waiting for %d", status).isBefore(deadline);
            sleep(200);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private String created() {
        return given().auth().oauth2(writer).contentType(ContentType.JSON).body(imageRequest()).post("/api/v1/artifacts")
                .then().statusCode(201).extract().path("artifact.id");
    }

    private static Map<String, Object> imageRequest() {
        return Map.of("type", "image", "contentType", "image/png", "size", 3);
    }

}
