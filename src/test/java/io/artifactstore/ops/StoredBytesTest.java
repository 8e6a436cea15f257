package io.artifactstore.ops;

import io.artifactstore.artifact.ApiClient;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.CapturedLogs;
import io.artifactstore.testing.Tokens;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * artifact_store_stored_bytes: one scan per interval whatever the number of replicas (each replica
 * here is a gauge of its own on its own connections, as a second process would be), every replica
 * publishing the same values, right after uploads and deletes, and never a value before one was read.
 */
@QuarkusTest
@TestProfile(StoredBytesTest.LongInterval.class)
class StoredBytesTest {

    /** The service's own timer refreshes only at start-up: the test decides when the snapshot is due. */
    public static class LongInterval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("artifact-store.stored-bytes.refresh-interval", "1h");
        }
    }

    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final List<String> PROVIDERS = List.of("local");

    @Inject
    ProviderUsageSnapshot snapshot;

    @Inject
    StoredBytesGauge gauge;

    @Inject
    MeterRegistry metrics;

    @Inject
    Pool database;

    @Inject
    Vertx vertx;

    /** The service's own refresh at start-up is done: it would otherwise be the one replica that scans. */
    @BeforeEach
    void theStartUpRefreshIsOver() throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        while (metrics.find(StoredBytesGauge.NAME).tag("provider", "local").gauge() == null) {
            assertThat(Instant.now()).as("the service publishes stored bytes").isBefore(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void manyReplicasRefreshingAtOnceScanOncePerIntervalAndPublishTheSameValues() {
        for (int round = 0; round < 5; round++) {
            makeTheSnapshotDue();
            List<SimpleMeterRegistry> registries = new ArrayList<>();
            List<Uni<Boolean>> replicas = new ArrayList<>();
            replicas.add(gauge.refresh());
            for (int i = 0; i < 7; i++) {
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                registries.add(registry);
                replicas.add(new StoredBytesGauge(snapshot, registry, PROVIDERS, INTERVAL).refresh());
            }
            List<Boolean> scanned = Uni.join().all(replicas).andFailFast().await().atMost(WAIT);

            assertThat(scanned.stream().filter(s -> s)).as("replicas that scanned in round %d", round).hasSize(1);
            double published = storedBytes(metrics);
            assertThat(registries).allSatisfy(registry -> assertThat(storedBytes(registry)).isEqualTo(published));
            // Fresh now: within the interval nobody scans again.
            assertThat(Uni.join().all(IntStream.range(0, 4).mapToObj(i -> snapshot.refreshIfDue(INTERVAL, PROVIDERS)).toList())
                    .andFailFast().await().atMost(WAIT)).containsOnly(false);
        }
    }

    @Test
    void theValueFollowsUploadsAndDeletesAtTheNextRefresh() {
        makeTheSnapshotDue();
        gauge.refresh().await().atMost(WAIT);
        double before = storedBytes(metrics);
        String writer = Tokens.readerWriter("stored-bytes");
        byte[] data = ("stored bytes " + UUID.randomUUID()).getBytes();

        String id = ApiClient.uploaded(writer, "stored-bytes", data).getString("artifact.id");
        makeTheSnapshotDue();
        assertThat(gauge.refresh().await().atMost(WAIT)).isTrue();
        assertThat(storedBytes(metrics)).isEqualTo(before + data.length);

        given().auth().oauth2(writer).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);
        makeTheSnapshotDue();
        assertThat(gauge.refresh().await().atMost(WAIT)).isTrue();
        assertThat(storedBytes(metrics)).isEqualTo(before);
    }

    @Test
    void nothingIsPublishedBeforeAValueIsReadAndTheLastValueStaysWhileTheDatabaseIsDown() throws Exception {
        CapturedLogs logs = CapturedLogs.start();
        Pool unreachable = pool(ArtifactStoreTestResource.freePort());
        Pool reachable = pool(databasePort());
        try (logs) {
            SimpleMeterRegistry neverRead = new SimpleMeterRegistry();
            StoredBytesGauge down = new StoredBytesGauge(new ProviderUsageSnapshot(unreachable), neverRead, PROVIDERS, INTERVAL);
            for (int i = 0; i < 3; i++) {
                assertThat(down.refresh().await().atMost(WAIT)).isFalse();
            }
            assertThat(neverRead.find(StoredBytesGauge.NAME).gauges()).as("no made-up 0 before a value is read").isEmpty();

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            StoredBytesGauge later = new StoredBytesGauge(new ProviderUsageSnapshot(reachable), registry, PROVIDERS, INTERVAL);
            later.refresh().await().atMost(WAIT);
            double known = storedBytes(registry);
            assertThat(known).isEqualTo(storedBytes(metrics));
            reachable.close().await().atMost(WAIT);
            for (int i = 0; i < 3; i++) {
                assertThat(later.refresh().await().atMost(WAIT)).isFalse();
            }
            assertThat(storedBytes(registry)).as("the last known value, not 0").isEqualTo(known);
        } finally {
            unreachable.close().await().atMost(WAIT);
        }
        List<LogRecord> logged = logs.records();
        List<LogRecord> warnings = logged.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()
                && r.getLoggerName().equals(StoredBytesGauge.class.getName())).toList();
        assertThat(warnings).as("one warning per gauge that lost the database").hasSize(2)
                .allSatisfy(w -> assertThat(w.getThrown()).as("no stack trace").isNull());
    }

    /** As if the last refresh was two intervals ago. */
    private void makeTheSnapshotDue() {
        database.query("UPDATE provider_usage_snapshot SET refreshed_at = now() - INTERVAL '2 hours'").execute().await().atMost(WAIT);
    }

    private static double storedBytes(MeterRegistry registry) {
        Gauge gauge = registry.find(StoredBytesGauge.NAME).tag("provider", "local").gauge();
        assertThat(gauge).as("%s{provider=local}", StoredBytesGauge.NAME).isNotNull();
        return gauge.value();
    }

    private Pool pool(int port) {
        PgConnectOptions options = new PgConnectOptions().setHost("localhost").setPort(port).setDatabase("postgres")
                .setUser("postgres").setPassword("postgres").setConnectTimeout(2000);
        return Pool.newInstance(PgBuilder.pool().connectingTo(options).using(vertx.getDelegate()).build());
    }

    private static int databasePort() {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.reactive.url", String.class);
        return Integer.parseInt(url.replaceFirst(".*:(\\d+)/.*", "$1"));
    }

}
