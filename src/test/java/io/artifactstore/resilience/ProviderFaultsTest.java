package io.artifactstore.resilience;

import io.artifactstore.lifecycle.TombstoneSweeper;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.security.Roles;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.BlackHoleTestResource;
import io.artifactstore.testing.Management;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Real faults: the S3 server process is stopped and started again, and a server that never answers
 * stands in for a slow one. Breakers are reset between tests.
 */
@QuarkusTest
@TestProfile(FaultsProfile.class)
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ProviderFaultsTest {

    private final String writer = Tokens.readerWriter("faults");
    private final String admin = Tokens.of("faults", Roles.ADMIN);

    @Inject
    ProviderRegistry providers;

    @Inject
    ProviderMonitor monitor;

    @Inject
    MeterRegistry metrics;

    @Inject
    TombstoneSweeper sweeper;

    @BeforeEach
    @AfterEach
    void s3IsUpAndBreakersClosed() {
        S3TestResource.server().start();
        CircuitBreakerMaintenance.get().resetAll();
        monitor.probeAll();
        await("s3 takes uploads", () -> monitor.canTakeUploads(S3TestResource.PROVIDER));
    }

    @Test
    void uploadsFallBackWhileS3IsDownAndReturnOnceItIsBack() {
        assertThat(createVideo()).isEqualTo(S3TestResource.PROVIDER);

        S3TestResource.server().stop();
        await("s3 marked unusable", () -> !monitor.canTakeUploads(S3TestResource.PROVIDER));
        for (int i = 0; i < 5; i++) {
            assertThat(createVideo()).as("upload %d during the outage", i).isEqualTo("local");
        }
        Management.given().get("/q/metrics").then().body(containsString(
                "artifact_store_fallbacks_total{from=\"s3\",to=\"local\"}"));

        // The probes' failures open the breaker; from then on calls are refused without being sent.
        ResilientProvider s3 = providers.get(S3TestResource.PROVIDER);
        await("breaker open", () -> s3.circuitState() == CircuitBreakerState.OPEN);
        double sentBefore = statCalls("failure") + statCalls("timeout") + statCalls("success");
        double refusedBefore = statCalls("rejected");
        Instant before = Instant.now();
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> s3.stat(someKey()).await().atMost(Duration.ofSeconds(5)))
                    .isInstanceOf(CircuitBreakerOpenException.class);
        }
        assertThat(Duration.between(before, Instant.now())).isLessThan(Duration.ofMillis(500));
        assertThat(statCalls("rejected") - refusedBefore).isEqualTo(10);
        assertThat(statCalls("failure") + statCalls("timeout") + statCalls("success")).isEqualTo(sentBefore);
        given().auth().oauth2(admin).get("/api/v1/providers").then().statusCode(200)
                .body("find { it.name == 's3' }.healthy", equalTo(false))
                .body("find { it.name == 's3' }.circuit", equalTo("OPEN"));
        Management.given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'provider-s3' }.data.reachable", equalTo(false));

        S3TestResource.server().start();
        await("breaker closed again", () -> s3.circuitState() == CircuitBreakerState.CLOSED
                && monitor.canTakeUploads(S3TestResource.PROVIDER));
        assertThat(createVideo()).isEqualTo(S3TestResource.PROVIDER);
    }

    @Test
    void aServerThatNeverAnswersHitsTheTimeoutNotTheClientsPatience() {
        ResilientProvider stuck = providers.get(BlackHoleTestResource.PROVIDER);
        Instant before = Instant.now();
        assertThatThrownBy(() -> stuck.stat(someKey()).await().atMost(Duration.ofSeconds(10)))
                .isInstanceOf(TimeoutException.class);
        // Two attempts of 500 ms each, plus a short backoff.
        assertThat(Duration.between(before, Instant.now())).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void whenNoCandidateCanTakeAnUploadTheClientGets503WithRetryAfter() {
        await("stuck marked unusable", () -> !monitor.canTakeUploads(BlackHoleTestResource.PROVIDER));
        Map<String, Object> audio = new HashMap<>(Map.of("type", "audio", "contentType", "audio/mpeg", "size", 10));
        given().auth().oauth2(writer).contentType(ContentType.JSON).body(audio).post("/api/v1/artifacts")
                .then().statusCode(503).contentType("application/problem+json").header("Retry-After", "1");
        Management.given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'provider-stuck' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'provider-stuck' }.data.reachable", equalTo(false));
    }

    @Test
    void clientErrorsAreNeitherRetriedNorCountedAgainstTheProvider() {
        ResilientProvider s3 = providers.get(S3TestResource.PROVIDER);
        for (int i = 0; i < 10; i++) {
            assertThat(s3.stat(someKey()).await().indefinitely()).isEmpty();
        }
        assertThat(s3.circuitState()).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void aDeleteDuringAnOutageIsAcknowledgedAndItsBytesAreSweptOnceTheStoreIsBack() {
        byte[] data = new byte[2048];
        Map<String, Object> video = new HashMap<>(Map.of("type", "video", "contentType", "video/mp4", "size", data.length));
        JsonPath created = given().auth().oauth2(writer).contentType(ContentType.JSON).body(video)
                .post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
        String id = created.getString("artifact.id");
        StorageKey key = StorageKey.parse(created.getString("artifact.variants[0].key"))
                .withVersion(created.getString("artifact.variants[0].version"));
        assertThat(SignedUrlClient.put(created.getString("upload.url"),
                created.getMap("upload.headers", String.class, String.class), data).statusCode()).isEqualTo(200);
        given().auth().oauth2(writer).contentType(ContentType.JSON).post("/api/v1/artifacts/{id}/complete", id)
                .then().statusCode(200);

        S3TestResource.server().stop();
        given().auth().oauth2(writer).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);
        given().auth().oauth2(writer).get("/api/v1/artifacts/{id}", id).then().statusCode(404);

        S3TestResource.server().start();
        CircuitBreakerMaintenance.get().resetAll();
        ResilientProvider s3 = providers.get(S3TestResource.PROVIDER);
        assertThat(s3.stat(key).await().atMost(Duration.ofSeconds(10))).as("left by the failed delete").isPresent();
        sweeper.sweepDue(Instant.now().plus(Duration.ofDays(8))).await().atMost(Duration.ofSeconds(30));
        assertThat(s3.stat(key).await().atMost(Duration.ofSeconds(10))).as("swept once the store is back").isEmpty();
    }

    /** Calls of stat on S3 with the given outcome so far, as the operation metric counts them. */
    private double statCalls(String outcome) {
        var timer = metrics.find("artifact_store_provider_operation")
                .tags("provider", S3TestResource.PROVIDER, "operation", "stat", "outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    private String createVideo() {
        Map<String, Object> video = new HashMap<>(Map.of("type", "video", "contentType", "video/mp4", "size", 10));
        return given().auth().oauth2(writer).contentType(ContentType.JSON).body(video).post("/api/v1/artifacts")
                .then().statusCode(201).extract().path("artifact.variants[0].provider");
    }

    private static StorageKey someKey() {
        return new StorageKey("faults", ArtifactType.VIDEO, null, Ulid.next(), "original");
    }

    private static void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(20);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("Timed out waiting until " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
