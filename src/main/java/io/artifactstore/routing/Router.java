package io.artifactstore.routing;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.resilience.ProviderRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;

/**
 * Chooses the provider of each new variant: the first matching rule, else the default provider. A
 * pure function over rules compiled and validated once, at start-up.
 */
@Startup
@ApplicationScoped
public class Router {

    private final List<RoutingRule> rules;
    private final RoutingDecision fallThrough;

    @Inject
    public Router(ArtifactStoreConfig config, ProviderRegistry providers) {
        this(RoutingRules.compile(config.routing(), name -> providers.find(name).isPresent()));
    }

    Router(RoutingRules.Compiled compiled) {
        this.rules = compiled.rules();
        this.fallThrough = new RoutingDecision(compiled.defaultProvider(), List.of(), null);
    }

    public RoutingDecision route(UploadFacts upload) {
        for (RoutingRule rule : rules) {
            if (rule.matches(upload)) {
                return new RoutingDecision(rule.provider(), rule.fallbacks(), rule.name());
            }
        }
        return fallThrough;
    }

    /** Every decision the rules can make, the default one included. */
    public List<RoutingDecision> decisions() {
        List<RoutingDecision> all = new ArrayList<>();
        rules.forEach(rule -> all.add(new RoutingDecision(rule.provider(), rule.fallbacks(), rule.name())));
        all.add(fallThrough);
        return all;
    }
}
