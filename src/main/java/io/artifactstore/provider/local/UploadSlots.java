package io.artifactstore.provider.local;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.StoreFailure;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission of the local provider's signed PUTs: one upload at a time per object, at most
 * {@code artifact-store.uploads.max-concurrent-per-tenant} per tenant, so one tenant's slow clients
 * cannot starve the others, and at most {@code artifact-store.uploads.max-concurrent} in all. A
 * refusal happens before any file is opened, so a flood of requests costs a header parse each and
 * nothing more.
 */
@ApplicationScoped
public class UploadSlots {

    /** A refused upload for lack of global capacity may try again soon: uploads end or time out all the time. */
    static final long RETRY_AFTER_FULL_SECONDS = 5;

    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inUse = new AtomicInteger();
    /** Slots in use per tenant. */
    private final BoundedCounts perTenant;
    private final int max;
    private final long retryAfterSameObject;

    @Inject
    UploadSlots(ArtifactStoreConfig config, MeterRegistry metrics) {
        this.max = config.uploads().maxConcurrent();
        this.perTenant = new BoundedCounts(config.uploads().maxConcurrentPerTenant().orElse(Math.max(1, max / 4)));
        // The object's current upload either finishes or is ended by the rate check within one window.
        this.retryAfterSameObject = Math.max(1, config.uploads().rateWindow().toSeconds());
        Gauge.builder("artifact_store_uploads_in_progress", inUse, AtomicInteger::get)
                .description("Signed PUTs to local providers in progress").register(metrics);
    }

    /** Takes the slot of one object's upload for its tenant; release it exactly once, when the upload has ended. */
    Slot acquire(String tenant, String object) {
        if (!busy.add(object)) {
            throw StoreFailure.busy("Another upload to this URL is in progress", retryAfterSameObject);
        }
        if (!perTenant.tryTake(tenant)) {
            busy.remove(object);
            throw StoreFailure.unavailable("Too many uploads of this tenant in progress", RETRY_AFTER_FULL_SECONDS);
        }
        if (inUse.incrementAndGet() > max) {
            inUse.decrementAndGet();
            perTenant.release(tenant);
            busy.remove(object);
            throw StoreFailure.unavailable("Too many uploads in progress", RETRY_AFTER_FULL_SECONDS);
        }
        return new Slot(tenant, object);
    }

    int inUse() {
        return inUse.get();
    }

    final class Slot {
        private final String tenant;
        private final String object;
        private final AtomicInteger released = new AtomicInteger();

        private Slot(String tenant, String object) {
            this.tenant = tenant;
            this.object = object;
        }

        void release() {
            if (released.getAndIncrement() == 0) {
                inUse.decrementAndGet();
                perTenant.release(tenant);
                busy.remove(object);
            }
        }
    }
}
