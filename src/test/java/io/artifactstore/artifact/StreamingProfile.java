package io.artifactstore.artifact;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.time.Duration;
import java.util.Map;

/**
 * S3 multipart from 5 MiB, so tests stream a few parts; frequent probes, so an outage is noticed within a
 * test; a short rate window, so a stalled body is ended within seconds.
 */
public class StreamingProfile implements QuarkusTestProfile {

    static final int PART_SIZE = 5 * 1024 * 1024;
    static final Duration RATE_WINDOW = Duration.ofSeconds(2);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "artifact-store.health.probe-interval", "300ms",
                "artifact-store.providers.s3.stream-multipart-threshold", "5M",
                "artifact-store.providers.s3.stream-part-size", "5M",
                "artifact-store.uploads.rate-window", RATE_WINDOW.toSeconds() + "s",
                "artifact-store.uploads.min-rate", "1K");
    }
}
