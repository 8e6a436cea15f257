package io.artifactstore.routing;

import io.artifactstore.core.DomainFailure;
import io.artifactstore.resilience.ProviderMonitor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Picks the provider that really takes an upload: the routed one while it can, else the first of
 * its fallbacks that can. Only when none can does the client hear of it: unavailable, retry after the monitor's next probe.
 */
@ApplicationScoped
public class UploadTargets {

    private static final Logger LOG = Logger.getLogger(UploadTargets.class);

    @Inject
    ProviderMonitor monitor;

    @Inject
    MeterRegistry metrics;

    @Inject
    Router router;

    /** Every fallback the rules allow is counted from start-up, at 0, so an alert's rate() sees it from the first scrape. */
    void registerFallbacks(@Observes StartupEvent started) {
        router.decisions().forEach(route -> route.fallbacks().forEach(to -> fallbacks(route.provider(), to)));
    }

    private Counter fallbacks(String from, String to) {
        return Counter.builder("artifact_store_fallbacks_total").description("Uploads sent to a fallback provider because the routed one could not take them")
                .tags("from", from, "to", to).register(metrics);
    }

    public String choose(RoutingDecision route) {
        if (monitor.canTakeUploads(route.provider())) {
            return route.provider();
        }
        for (String fallback : route.fallbacks()) {
            if (monitor.canTakeUploads(fallback)) {
                // Counted, not logged at INFO: during an outage every ticket comes here; the monitor
                // logs the provider's state changes once each.
                fallbacks(route.provider(), fallback).increment();
                LOG.debugf("Provider %s cannot take uploads; falling back to %s", route.provider(), fallback);
                return fallback;
            }
        }
        throw DomainFailure.unavailable("No storage provider can take this upload right now: " + whyNot(route),
                monitor.retryAfter().toSeconds());
    }

    /**
     * The provider that takes an upload whose record names {@code current}: that one while it can take
     * uploads, else the one {@link #choose(RoutingDecision)} picks on {@code route} (asked only then).
     */
    public String choose(String current, Supplier<RoutingDecision> route) {
        return monitor.canTakeUploads(current) ? current : choose(route.get());
    }

    /** Each provider the route allows, with why it cannot take uploads: "media (circuit open after: timeouts), local (...)". */
    private String whyNot(RoutingDecision route) {
        List<String> providers = new ArrayList<>();
        providers.add(route.provider());
        providers.addAll(route.fallbacks());
        return providers.stream().distinct()
                .map(name -> name + " (" + monitor.problem(name).orElse("cannot take uploads") + ")")
                .collect(Collectors.joining(", "));
    }
}
