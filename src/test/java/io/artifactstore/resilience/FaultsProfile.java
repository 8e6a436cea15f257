package io.artifactstore.resilience;

import io.artifactstore.testing.BlackHoleTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;

/** Short breaker delays and frequent probes, so outages and recoveries happen within a test. */
public class FaultsProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "artifact-store.health.probe-interval", "300ms",
                "artifact-store.providers.s3.resilience.timeout", "2s",
                "artifact-store.providers.s3.resilience.max-retries", "1",
                "artifact-store.providers.s3.resilience.retry-delay", "20ms",
                "artifact-store.providers.s3.resilience.failure-window", "2",
                "artifact-store.providers.s3.resilience.failure-ratio", "0.5",
                "artifact-store.providers.s3.resilience.open-delay", "1500ms",
                "artifact-store.providers.s3.resilience.success-threshold", "1");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(BlackHoleTestResource.class));
    }
}
