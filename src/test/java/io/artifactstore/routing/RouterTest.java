package io.artifactstore.routing;

import io.artifactstore.config.ArtifactStoreConfig.Routing;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.Glob;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouterTest {

    private static final Set<String> PROVIDERS = Set.of("local", "media", "cold", "eu");

    record Config(String defaultProvider, List<Routing.Rule> rules) implements Routing {
    }

    record Rule(String name, Routing.When when, String provider, Optional<List<String>> fallbacks) implements Routing.Rule {
    }

    record When(Optional<List<String>> types, Optional<List<String>> contentTypes, Optional<String> minSize,
                Optional<String> maxSize, Optional<List<String>> tenants, Optional<List<String>> boards,
                Map<String, String> metadata) implements Routing.When {
    }

    static final When ANY = new When(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Map.of());

    private final Router router = router(new Config("local", List.of(
            new Rule("eu-tenant", new When(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.of(List.of("acme-eu")), Optional.empty(), Map.of()), "eu", Optional.empty()),
            new Rule("big-media", new When(Optional.of(List.of("video", "model")), Optional.empty(), Optional.of("100M"),
                    Optional.empty(), Optional.empty(), Optional.empty(), Map.of()), "media", Optional.of(List.of("local"))),
            new Rule("audio-any-size", new When(Optional.empty(), Optional.of(List.of("audio/*")), Optional.empty(),
                    Optional.of("1G"), Optional.empty(), Optional.empty(), Map.of()), "media", Optional.empty()),
            new Rule("archive-boards", new When(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.of(List.of("archive-*")), Map.of("tier", "cold")), "cold",
                    Optional.of(List.of("media", "local"))))));

    @Test
    void theFirstMatchingRuleDecidesElseTheDefault() {
        record Case(String tenant, ArtifactType type, String board, String contentType, long size,
                    Map<String, Object> metadata, String provider, String rule) {
        }
        long mib = 1024 * 1024;
        List<Case> cases = List.of(
                new Case("acme", ArtifactType.IMAGE, "b", "image/png", 10, Map.of(), "local", null),
                new Case("acme", ArtifactType.VIDEO, "b", "video/mp4", 100 * mib, Map.of(), "media", "big-media"),
                new Case("acme", ArtifactType.VIDEO, "b", "video/mp4", 100 * mib - 1, Map.of(), "local", null),
                new Case("acme", ArtifactType.MODEL, null, "application/octet-stream", 5000 * mib, Map.of(), "media", "big-media"),
                new Case("acme-eu", ArtifactType.VIDEO, "b", "video/mp4", 500 * mib, Map.of(), "eu", "eu-tenant"),
                new Case("acme", ArtifactType.AUDIO, "b", "Audio/MPEG; rate=44100", 1, Map.of(), "media", "audio-any-size"),
                new Case("acme", ArtifactType.AUDIO, "b", "audio/mpeg", 1024 * mib + 1, Map.of(), "local", null),
                new Case("acme", ArtifactType.IMAGE, "archive-2024", "image/png", 1, Map.of("tier", "cold"), "cold", "archive-boards"),
                new Case("acme", ArtifactType.IMAGE, "archive-2024", "image/png", 1, Map.of("tier", "hot"), "local", null),
                new Case("acme", ArtifactType.IMAGE, "live-archive-2024", "image/png", 1, Map.of("tier", "cold"), "local", null),
                new Case("acme", ArtifactType.IMAGE, null, "image/png", 1, Map.of("tier", "cold"), "local", null));
        for (Case c : cases) {
            RoutingDecision decision = router.route(new UploadFacts(c.tenant(), c.type(), c.board(), c.contentType(),
                    c.size(), c.metadata()));
            assertThat(decision.provider()).as(c.toString()).isEqualTo(c.provider());
            assertThat(decision.rule()).as(c.toString()).isEqualTo(c.rule());
        }
        assertThat(router.route(new UploadFacts("acme", ArtifactType.IMAGE, "archive-1", "image/png", 1, Map.of("tier", "cold")))
                .fallbacks()).containsExactly("media", "local");
    }

    @Test
    void configurationMistakesFailWithTheRuleAndKeyNamed() {
        assertThatThrownBy(() -> router(new Config("nowhere", List.of())))
                .hasMessageContaining("artifact-store.routing.default-provider=nowhere");
        assertThatThrownBy(() -> router(new Config("local", List.of(new Rule("r1", ANY, "nowhere", Optional.empty())))))
                .hasMessageContaining("'r1'").hasMessageContaining("artifact-store.routing.rules[0].provider");
        assertThatThrownBy(() -> router(new Config("local", List.of(new Rule("r1", ANY, "media", Optional.of(List.of("local", "gone")))))))
                .hasMessageContaining("rules[0].fallbacks[1]");
        When badType = new When(Optional.of(List.of("hologram")), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Map.of());
        assertThatThrownBy(() -> router(new Config("local", List.of(new Rule("holo", badType, "media", Optional.empty())))))
                .hasMessageContaining("'holo'").hasMessageContaining("when.types").hasMessageContaining("hologram");
        When badSize = new When(Optional.empty(), Optional.empty(), Optional.of("ten megs"), Optional.empty(),
                Optional.empty(), Optional.empty(), Map.of());
        assertThatThrownBy(() -> router(new Config("local", List.of(new Rule("sized", badSize, "media", Optional.empty())))))
                .hasMessageContaining("'sized'").hasMessageContaining("rules[0].when.min-size");
        assertThatThrownBy(() -> router(new Config("local", List.of(new Rule("twice", ANY, "media", Optional.empty()),
                new Rule("twice", ANY, "local", Optional.empty()))))).hasMessageContaining("defined twice");
    }

    @Test
    void globs() {
        assertThat(Glob.of("campaign-*").matches("campaign-7")).isTrue();
        assertThat(Glob.of("campaign-*").matches("my-campaign-7")).isFalse();
        assertThat(Glob.of("*").matches("")).isTrue();
        assertThat(Glob.of("a.b").matches("axb")).isFalse();
        assertThat(Glob.ofMediaType("Video/*").matches("video/mp4")).isTrue();
        assertThat(Glob.ofMediaType("*/*").matches("application/x-anything")).isTrue();
    }

    private static Router router(Config config) {
        return new Router(RoutingRules.compile(config, PROVIDERS::contains));
    }
}
