package io.artifactstore.provider.local;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.StoreFailure;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission of the local provider's signed GETs: each one holds an open file and a socket until its
 * reader has taken the bytes, so at most {@code artifact-store.downloads.max-concurrent} run at once,
 * and at most {@code max-per-url} on one signed URL, which is a bearer link anyone holding it can
 * replay. A refusal happens before any file is opened.
 */
@ApplicationScoped
public class DownloadSlots {

    /** Downloads end, or are dropped by the stall check, within a few seconds of a full house. */
    static final long RETRY_AFTER_SECONDS = 5;

    private final BoundedCounts perUrl;
    private final AtomicInteger inUse = new AtomicInteger();
    private final int max;

    @Inject
    DownloadSlots(ArtifactStoreConfig config, MeterRegistry metrics) {
        this(config.downloads().maxConcurrent(), config.downloads().maxPerUrl(), metrics);
    }

    DownloadSlots(int max, int maxPerUrl, MeterRegistry metrics) {
        this.max = max;
        this.perUrl = new BoundedCounts(maxPerUrl);
        Gauge.builder("artifact_store_downloads_in_progress", inUse, AtomicInteger::get)
                .description("Signed GETs of local providers sending their bytes").register(metrics);
    }

    /** Takes a slot for one download of the URL with this signature; release it exactly once. */
    Slot acquire(String signature) {
        if (!perUrl.tryTake(signature)) {
            throw StoreFailure.unavailable("Too many downloads of this URL in progress", RETRY_AFTER_SECONDS);
        }
        if (inUse.incrementAndGet() > max) {
            inUse.decrementAndGet();
            perUrl.release(signature);
            throw StoreFailure.unavailable("Too many downloads in progress", RETRY_AFTER_SECONDS);
        }
        return new Slot(signature);
    }

    int inUse() {
        return inUse.get();
    }

    final class Slot {
        private final String signature;
        private final AtomicInteger released = new AtomicInteger();

        private Slot(String signature) {
            this.signature = signature;
        }

        void release() {
            if (released.getAndIncrement() == 0) {
                inUse.decrementAndGet();
                perUrl.release(signature);
            }
        }
    }
}
