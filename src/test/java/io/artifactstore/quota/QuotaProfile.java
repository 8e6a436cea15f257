package io.artifactstore.quota;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Small quotas for every tenant, and a larger byte limit for one, {@value #BIG_TENANT}. */
public class QuotaProfile implements QuarkusTestProfile {

    static final long MAX_BYTES = 100 * 1024;
    static final long MAX_ARTIFACTS = 5;
    static final String BIG_TENANT = "quota-big";
    static final long BIG_MAX_BYTES = 1024 * 1024;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "artifact-store.quotas.default.max-bytes", "100K",
                "artifact-store.quotas.default.max-artifacts", Long.toString(MAX_ARTIFACTS),
                "artifact-store.quotas.tenants." + BIG_TENANT + ".max-bytes", "1M");
    }
}
