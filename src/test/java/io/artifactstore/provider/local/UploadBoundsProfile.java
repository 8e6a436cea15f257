package io.artifactstore.provider.local;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Tight upload bounds, so caps, stalls, trickles and expiries all happen within seconds. */
public class UploadBoundsProfile implements QuarkusTestProfile {

    static final int MAX_CONCURRENT = 3;
    static final int MAX_PER_TENANT = 2;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "artifact-store.uploads.max-concurrent", Integer.toString(MAX_CONCURRENT),
                "artifact-store.uploads.max-concurrent-per-tenant", Integer.toString(MAX_PER_TENANT),
                "artifact-store.uploads.rate-window", "2s",
                "artifact-store.uploads.min-rate", "1K",
                "artifact-store.uploads.expiry-grace", "1s",
                "artifact-store.signing.upload-ttl", "8s",
                "artifact-store.api.body-timeout", "2s");
    }
}
