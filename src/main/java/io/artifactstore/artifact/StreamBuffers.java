package io.artifactstore.artifact;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.DomainFailure;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The global budget of heap that streamed uploads hold in part buffers
 * ({@code artifact-store.uploads.stream-buffer-budget}, README "Workers: streaming uploads"): an upload
 * whose buffer does not fit is refused as unavailable (503) before its body is read, so parallel uploads cannot
 * fill the heap one part at a time.
 */
@Startup // its gauge exists from start-up, at 0
@ApplicationScoped
public class StreamBuffers {

    /** Streamed uploads run for seconds to minutes; a refused one may try again soon. */
    static final long RETRY_AFTER_SECONDS = 5;

    private static final Reservation NOTHING = () -> { };

    private final AtomicLong held = new AtomicLong();
    private final long budget;

    @Inject
    StreamBuffers(ArtifactStoreConfig config, MeterRegistry metrics) {
        this.budget = config.uploads().streamBufferBudget().asLongValue();
        Gauge.builder("artifact_store_stream_buffer_bytes", held, AtomicLong::get)
                .description("Heap held by part buffers of streamed uploads").register(metrics);
    }

    /** Takes {@code bytes} of the budget, or fails as unavailable; release the reservation exactly when the write has ended. */
    Reservation reserve(long bytes) {
        if (bytes == 0) {
            return NOTHING;
        }
        if (held.addAndGet(bytes) > budget) {
            held.addAndGet(-bytes);
            throw DomainFailure.unavailable("Too many large streamed uploads in progress; try again later", RETRY_AFTER_SECONDS);
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                held.addAndGet(-bytes);
            }
        };
    }

    /** Bytes of the budget in use now. */
    long held() {
        return held.get();
    }

    /** Part of the budget, held until released; releasing again does nothing. */
    interface Reservation {
        void release();
    }
}
