package io.artifactstore.artifact;

import io.artifactstore.lifecycle.ExpiryReaper;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.MovableClock;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static org.assertj.core.api.Assertions.assertThat;

/** The lifecycle reads the time from the injected clock, which tests move instead of sleeping. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class ServiceClockTest {

    @Inject
    MovableClock clock;

    @Inject
    ExpiryReaper reaper;

    @Inject
    ArtifactStoreConfig config;

    @AfterEach
    void realTime() {
        clock.reset();
    }

    @Test
    void recordsAreStampedWithTheServiceClock() {
        clock.advance(Duration.ofDays(3));

        var created = create(Tokens.readerWriter("clock"), imageRequest("clock", new byte[] {1, 2, 3}));

        Instant createdAt = Instant.parse(created.getString("artifact.createdAt"));
        assertThat(createdAt).isBetween(Instant.now().plus(Duration.ofDays(3)).minusSeconds(60),
                Instant.now().plus(Duration.ofDays(3)).plusSeconds(60));
    }

    @Test
    void multipartUploadsRunOnTheServiceClock() {
        clock.advance(Duration.ofDays(3));
        String token = Tokens.readerWriter("clock");
        Map<String, Object> request = imageRequest("clock", new byte[6 << 20]);
        request.put("multipart", true);
        String id = create(token, request).getString("artifact.id");

        JsonPath started = as(token).post("/api/v1/artifacts/{id}/multipart", id).then().statusCode(201).extract().jsonPath();

        Instant expiresAt = clock.instant().plus(config.signing().multipartTtl());
        assertThat(Instant.parse(started.getString("expiresAt"))).isBetween(expiresAt.minusSeconds(60), expiresAt.plusSeconds(60));
        // The reaper, on the same clock, finds nothing expired: the upload still signs its parts.
        reaper.reapDue(clock.instant()).await().atMost(Duration.ofSeconds(60));
        as(token).body("{\"partNumbers\":[1]}").post("/api/v1/artifacts/{id}/multipart/{u}/parts", id, started.getString("uploadId"))
                .then().statusCode(200);
    }
}
