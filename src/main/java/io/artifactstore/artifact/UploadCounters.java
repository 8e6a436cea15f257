package io.artifactstore.artifact;

import io.artifactstore.core.ArtifactType;
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
 * {@code artifact_store_uploads_total{type,provider,outcome}}: the verdict of each complete. Every
 * combination exists from start-up at 0, so an alert's rate() over a ratio sees it from the first scrape.
 */
@ApplicationScoped
public class UploadCounters {

    static final String COMPLETED = "completed";
    static final String REJECTED = "rejected";
    static final String MISSING = "missing";
    static final String ERROR = "error";
    private static final List<String> OUTCOMES = List.of(COMPLETED, REJECTED, MISSING, ERROR);

    @Inject
    MeterRegistry metrics;

    @Inject
    ProviderRegistry providers;

    void registerAll(@Observes StartupEvent started) {
        for (ArtifactType type : ArtifactType.values()) {
            for (ResilientProvider provider : providers.all()) {
                OUTCOMES.forEach(outcome -> counter(type, provider.name(), outcome));
            }
        }
    }

    void count(ArtifactType type, String provider, String outcome) {
        counter(type, provider, outcome).increment();
    }

    private Counter counter(ArtifactType type, String provider, String outcome) {
        return Counter.builder("artifact_store_uploads_total")
                .description("Completes of pending uploads by verdict: completed, rejected (422), missing (409), error")
                .tags("type", type.wireName(), "provider", provider, "outcome", outcome).register(metrics);
    }
}
