package io.artifactstore.routing;

import io.artifactstore.api.ServiceException;
import io.artifactstore.resilience.ProviderMonitor;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Picks the provider that really takes an upload: the routed one while it can, else the first of
 * its fallbacks that can. Only when none can does the client hear of it, as a 503 with Retry-After.
 */
@ApplicationScoped
public class UploadTargets {

    private static final Logger LOG = Logger.getLogger(UploadTargets.class);

    @Inject
    ProviderMonitor monitor;

    @Inject
    MeterRegistry metrics;

    public String choose(RoutingDecision route) {
        if (monitor.canTakeUploads(route.provider())) {
            return route.provider();
        }
        for (String fallback : route.fallbacks()) {
            if (monitor.canTakeUploads(fallback)) {
                // Counted, not logged at INFO: during an outage every ticket comes here; the monitor
                // logs the provider's state changes once each.
                metrics.counter("artifact_store_fallbacks_total", "from", route.provider(), "to", fallback).increment();
                LOG.debugf("Provider %s cannot take uploads; falling back to %s", route.provider(), fallback);
                return fallback;
            }
        }
        throw ServiceException.unavailable("No storage provider can take this upload right now",
                monitor.retryAfter().toSeconds());
    }
}
