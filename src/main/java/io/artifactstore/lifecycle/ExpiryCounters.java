package io.artifactstore.lifecycle;

import io.artifactstore.records.Released;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.StorageKey;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.resilience.ResilientProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.List;

/**
 * {@code artifact_store_expired_total{type,provider}}: pending uploads this replica's reaper turned
 * EXPIRED, counted once their batch committed. Summed over the replicas, it equals the variants that
 * expired: each is claimed by one replica only. Every combination exists from start-up at 0.
 */
@ApplicationScoped
public class ExpiryCounters {

    @Inject
    MeterRegistry metrics;

    @Inject
    ProviderRegistry providers;

    void registerAll(@Observes StartupEvent started) {
        for (ArtifactType type : ArtifactType.values()) {
            for (ResilientProvider provider : providers.all()) {
                counter(type.wireName(), provider.name());
            }
        }
    }

    void count(List<Released> expired) {
        for (Released version : expired) {
            counter(StorageKey.parse(version.storageKey()).type().wireName(), version.provider()).increment();
        }
    }

    private Counter counter(String type, String provider) {
        return Counter.builder("artifact_store_expired_total")
                .description("Pending uploads whose ticket ran out, marked EXPIRED by this replica's reaper")
                .tags("type", type, "provider", provider).register(metrics);
    }
}
