package io.artifactstore.lifecycle;

import io.artifactstore.core.StorageKey;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.MovableClock;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.storedKey;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.artifactstore.testing.SignedUrlClient.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The expiry reaper, with time moved by the {@link MovableClock} instead of waited for: expired
 * pending uploads lose their bytes and multipart uploads, intermediates go after their TTL, crash
 * leftovers of the local incoming area are swept, and reapers running at once handle each item once.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ExpiryReaperTest {

    private static final int MIB = 1 << 20;
    /** Past a ticket's 15 minutes and the pending grace of an hour. */
    private static final Duration PAST_GRACE = Duration.ofMinutes(90);

    private final String token = Tokens.readerWriter("expiry");

    @Inject
    ExpiryReaper reaper;

    @Inject
    MovableClock clock;

    @Inject
    ProviderRegistry providers;

    @Inject
    Pool database;

    @Inject
    MeterRegistry metrics;

    @ConfigProperty(name = "artifact-store.providers.local.root")
    String localRoot;

    @AfterEach
    void realTime() {
        clock.reset();
    }

    @Test
    void anExpiredPendingUploadTurnsExpiredAndLosesItsBytes() {
        byte[] data = randomBytes(2000);
        JsonPath created = create(token, request("image", data));
        String id = created.getString("artifact.id");
        assertThat(put(ticket(created), data).statusCode()).isEqualTo(200); // uploaded, never completed

        reap(clock.instant()); // not due yet
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("variants[0].status", equalTo("PENDING"));
        clock.advance(PAST_GRACE);
        reap(clock.instant());

        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200)
                .body("status", equalTo("EXPIRED")).body("variants[0].status", equalTo("EXPIRED"));
        assertThat(stored("image", storedKey(created))).as("the partial bytes").isFalse();
        assertThat(as(token).get("/api/v1/artifacts?status=EXPIRED&limit=1000").then().statusCode(200).extract().jsonPath()
                .getList("items.id", String.class)).contains(id);
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(409).contentType("application/problem+json");

        clock.reset(); // a new ticket starts over
        Map<String, Object> again = request("image", data);
        again.put("artifactId", id);
        JsonPath renewed = create(token, again);
        assertThat(renewed.getString("artifact.status")).isEqualTo("PENDING");
        assertThat(put(ticket(renewed), data).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200).body("status", equalTo("AVAILABLE"));
    }

    @Test
    void anExpiredMultipartUploadIsAborted() {
        byte[] data = randomBytes(6 * MIB);
        Map<String, Object> body = request("video", data);
        body.put("multipart", true);
        String id = create(token, body).getString("artifact.id");
        JsonPath started = as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(201).extract().jsonPath();
        String uploadId = started.getString("uploadId");
        JsonPath signed = as(token).body("{\"partNumbers\":[1]}").post("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId)
                .then().statusCode(200).extract().jsonPath();
        Map<String, String> headers = signed.get("parts[0].headers") == null ? Map.of() : signed.getMap("parts[0].headers", String.class, String.class);
        assertThat(put(new SignedRequest("PUT", signed.getString("parts[0].url"), headers, null),
                java.util.Arrays.copyOf(data, 5 * MIB)).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofHours(24)); // a multipart upload keeps its variant pending for its own TTL
        reap(clock.instant());
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("variants[0].status", equalTo("PENDING"));
        clock.advance(PAST_GRACE);
        reap(clock.instant());

        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("variants[0].status", equalTo("EXPIRED"));
        assertThat(count("SELECT count(*) FROM multipart_uploads WHERE artifact_id = $1", id)).as("multipart rows").isZero();
        as(token).get("/api/v1/artifacts/{id}/multipart/{u}/parts", id, uploadId).then().statusCode(404);
    }

    @Test
    void intermediatesGoAfterTheirTtl() {
        byte[] data = randomBytes(1500);
        JsonPath created = create(token, request("intermediate", data));
        String id = created.getString("artifact.id");
        assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);

        clock.advance(Duration.ofHours(23));
        reap(clock.instant());
        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200);
        clock.advance(Duration.ofHours(2));
        reap(clock.instant());

        as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(404);
        assertThat(stored("intermediate", storedKey(created))).isFalse();
    }

    @Test
    void crashLeftoversInTheLocalIncomingAreaAreSweptOnceNoUploadCanUseThem() throws Exception {
        Path incoming = Path.of(localRoot).resolve(".incoming");
        Path temp = Files.write(incoming.resolve("crashed-" + System.nanoTime() + ".part"), randomBytes(100));
        Path parts = Files.createDirectories(incoming.resolve("multipart").resolve("lost-" + System.nanoTime()));
        Files.write(parts.resolve("1"), randomBytes(100));

        reap(clock.instant().plus(Duration.ofDays(1)));
        assertThat(temp).as("younger than the longest ticket").exists();
        assertThat(parts).exists();

        ExpiryReaper.Reaped reaped = reap(clock.instant().plus(Duration.ofDays(8)));

        assertThat(temp).doesNotExist();
        assertThat(parts).doesNotExist();
        assertThat(incoming).as("the staging area itself stays").isDirectory();
        assertThat(reaped.sweptIncoming()).isGreaterThanOrEqualTo(2);
    }

    /** Reapers on many threads at once (as on several replicas), several rounds: each expired upload handled once. */
    @Test
    void reapersRunningAtOnceHandleEachUploadOnce() throws Exception {
        for (int round = 0; round < 3; round++) {
            clock.reset();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] data = randomBytes(100);
                JsonPath created = create(token, request("image", data));
                if (i % 2 == 0) {
                    assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
                }
                ids.add(created.getString("artifact.id"));
            }
            clock.advance(PAST_GRACE);
            Instant now = clock.instant();
            long due = count("SELECT count(*) FROM artifact_variants WHERE status = 'PENDING' AND upload_expires_at <= $1",
                    now.minus(Duration.ofHours(1)).atOffset(java.time.ZoneOffset.UTC));

            double countedBefore = expiredCounter();
            List<ExpiryReaper.Reaped> runs = inParallel(6, now);

            assertThat(runs.stream().mapToInt(ExpiryReaper.Reaped::expiredUploads).sum()).as("expired, over all reapers").isEqualTo(due);
            assertThat(expiredCounter() - countedBefore).as("artifact_store_expired_total, once each").isEqualTo(due);
            assertThat(runs.stream().mapToInt(ExpiryReaper.Reaped::deletedObjects).sum()).as("objects deleted, once each")
                    .isBetween((int) Math.min(due, ids.size()), (int) due);
            for (String id : ids) {
                as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).body("variants[0].status", equalTo("EXPIRED"));
            }
            assertThat(count("SELECT count(*) FROM object_tombstones WHERE storage_key LIKE 'expiry/%' AND sweep_at <= $1",
                    now.atOffset(java.time.ZoneOffset.UTC))).as("tombstones left").isZero();
        }
    }

    /** artifact_store_expired_total over every type and provider: the due uploads may include other tests' of any type. */
    private double expiredCounter() {
        return metrics.find("artifact_store_expired_total").counters().stream().mapToDouble(Counter::count).sum();
    }

    private List<ExpiryReaper.Reaped> inParallel(int reapers, Instant now) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(reapers);
        try {
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<ExpiryReaper.Reaped>> runs = new ArrayList<>();
            for (int i = 0; i < reapers; i++) {
                runs.add(pool.submit(() -> {
                    gate.await();
                    return reaper.reapDue(now).await().atMost(Duration.ofSeconds(60));
                }));
            }
            gate.countDown();
            List<ExpiryReaper.Reaped> done = new ArrayList<>();
            for (Future<ExpiryReaper.Reaped> run : runs) {
                done.add(run.get());
            }
            return done;
        } finally {
            pool.shutdownNow();
        }
    }

    private ExpiryReaper.Reaped reap(Instant now) {
        return reaper.reapDue(now).await().atMost(Duration.ofSeconds(60));
    }

    private long count(String sql, Object parameter) {
        return database.preparedQuery(sql).execute(Tuple.of(parameter)).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong(0);
    }

    private boolean stored(String type, StorageKey key) {
        return providers.get(type.equals("video") ? S3TestResource.PROVIDER : "local").stat(key)
                .await().atMost(Duration.ofSeconds(10)).isPresent();
    }

    private static Map<String, Object> request(String type, byte[] data) {
        String contentType = switch (type) {
            case "video" -> "video/mp4";
            case "intermediate" -> "application/octet-stream";
            default -> "image/png";
        };
        return new HashMap<>(Map.of("type", type, "contentType", contentType, "size", data.length, "sha256", sha256(data)));
    }
}
