package io.artifactstore.provider;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.artifactstore.provider.ProviderSetting.Kind;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A provider's settings are checked against what its type declares before it is built. */
class ProviderSettingsTest {

    private static final List<ProviderSetting> DECLARED = List.of(
            ProviderSetting.required("bucket", Kind.TEXT),
            ProviderSetting.optional("path-style", Kind.BOOLEAN, "false"),
            ProviderSetting.optional("endpoint", Kind.URL, null),
            ProviderSetting.optional("verify-max-size", Kind.SIZE, "5G"),
            ProviderSetting.optional("max-connections", Kind.WHOLE_NUMBER, "200"));

    @Test
    void defaultsAreFilledInAndTheRegistrysOwnKeysPassThrough() {
        Map<String, String> settings = ProviderSettings.check("media", "s3", DECLARED,
                Map.of("type", "s3", "bucket", "b", "resilience.timeout", "2s", "endpoint", "http://127.0.0.1:9000"));

        assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of("bucket", "b", "path-style", "false",
                "endpoint", "http://127.0.0.1:9000", "verify-max-size", "5G", "max-connections", "200"));
    }

    @Test
    void aMisspeltKeyStopsStartUpNamingKeyAndProvider() {
        assertThatThrownBy(() -> ProviderSettings.check("media", "s3", DECLARED, Map.of("bucket", "b", "pathstyle", "true")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("artifact-store.providers.media.pathstyle is not a setting of s3 providers")
                .hasMessageContaining("path-style");
    }

    @Test
    void missingRequiredSettingsAndValuesOfTheWrongKindAreNamed() {
        assertThatThrownBy(() -> ProviderSettings.check("media", "s3", DECLARED, Map.of()))
                .hasMessage("artifact-store.providers.media.bucket is required for s3 providers");
        for (var bad : Map.of("path-style", "yes", "endpoint", "localhost:9000", "verify-max-size", "lots",
                "max-connections", "-1").entrySet()) {
            assertThatThrownBy(() -> ProviderSettings.check("media", "s3", DECLARED, Map.of("bucket", "b", bad.getKey(), bad.getValue())))
                    .as(bad.getKey()).hasMessageStartingWith("artifact-store.providers.media." + bad.getKey() + " must be");
        }
    }
}
