package io.artifactstore.routing;

import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.Glob;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The routing decision of an upload, over five rules; the last case falls through to the default. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBenchmark {

    private final Router router = new Router(new RoutingRules.Compiled("local", List.of(
            rule("eu", Set.of(), List.of(), 0, Long.MAX_VALUE, Set.of("acme-eu", "globex-eu"), List.of(), Map.of()),
            rule("big-media", Set.of(ArtifactType.VIDEO, ArtifactType.MODEL), List.of(), 100L << 20, Long.MAX_VALUE,
                    Set.of(), List.of(), Map.of()),
            rule("audio", Set.of(), List.of(Glob.ofMediaType("audio/*")), 0, 1L << 30, Set.of(), List.of(), Map.of()),
            rule("archive", Set.of(), List.of(), 0, Long.MAX_VALUE, Set.of(), List.of(Glob.of("archive-*")), Map.of("tier", "cold")),
            rule("datasets", Set.of(ArtifactType.DATASET), List.of(), 0, Long.MAX_VALUE, Set.of(), List.of(), Map.of()))));

    private final UploadFacts video = new UploadFacts("acme", ArtifactType.VIDEO, "board-1", "video/mp4", 500L << 20, Map.of());
    private final UploadFacts image = new UploadFacts("acme", ArtifactType.IMAGE, "board-1", "image/png", 1L << 20,
            Map.of("prompt", "a cat"));

    @Benchmark
    public RoutingDecision matchingRule() {
        return router.route(video);
    }

    @Benchmark
    public RoutingDecision fallThroughToDefault() {
        return router.route(image);
    }

    private static RoutingRule rule(String name, Set<ArtifactType> types, List<Glob> contentTypes, long min, long max,
                                    Set<String> tenants, List<Glob> boards, Map<String, String> metadata) {
        return new RoutingRule(name, types, contentTypes, min, max, tenants, boards, metadata, "media", List.of("local"));
    }
}
