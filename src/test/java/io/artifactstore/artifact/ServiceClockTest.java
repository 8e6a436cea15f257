package io.artifactstore.artifact;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.MovableClock;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static org.assertj.core.api.Assertions.assertThat;

/** The lifecycle reads the time from the injected clock, which tests move instead of sleeping. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class ServiceClockTest {

    @Inject
    MovableClock clock;

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
}
