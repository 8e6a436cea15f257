package io.artifactstore.routing;

import java.util.List;

/** Where an upload goes: the provider, the fallbacks in order, and the rule that decided (null: the default). */
public record RoutingDecision(String provider, List<String> fallbacks, String rule) {
}
