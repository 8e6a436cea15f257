package io.artifactstore.config;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.PackagedService;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service in prod mode, as an operator starts it: every expected misconfiguration (a
 * short secret, a misspelt or missing setting, an unknown provider or type, a malformed size or
 * duration) stops start-up with a non-zero exit and exactly one line naming the setting and what is
 * wrong with it, without a stack trace burying it; the OpenAPI document and Swagger UI are served only
 * when artifact-store.api-docs.enabled says so.
 */
class StartupChecksIT {

    private static ArtifactStoreTestResource resources;
    private static Map<String, String> base;

    @BeforeAll
    static void startTheDatabase() {
        resources = new ArtifactStoreTestResource();
        base = new HashMap<>(resources.start()); // PostgreSQL, keys, local root
        base.put("artifact-store.signing.secret", UUID.randomUUID() + "-" + UUID.randomUUID());
    }

    @AfterAll
    static void stopTheDatabase() {
        if (resources != null) {
            resources.stop(); // the logs stay in target/
        }
    }

    @Test
    void aShortSigningSecretStopsStartUpNamingTheSetting() throws Exception {
        PackagedService run = assertStopsWithOneLine("startup-it-short-secret",
                Map.of("artifact-store.signing.secret", "only-31-characters-long-secret!"),
                "artifact-store.signing.secret", "artifact-store.signing.secret must be at least 32 characters long");

        assertThat(run.log()).doesNotContain("only-31-characters-long-secret!");
    }

    @Test
    void aMisspeltProviderSettingStopsStartUpNamingKeyAndProvider() throws Exception {
        assertStopsWithOneLine("startup-it-misspelt-setting",
                Map.of("artifact-store.providers.local.rooot", Path.of("target", "elsewhere").toAbsolutePath().toString()),
                "artifact-store.providers.local.rooot", "is not a setting of local providers; known settings: [");
    }

    @Test
    void aRuleNamingAnUnknownProviderStopsStartUpWithOneLine() throws Exception {
        assertStopsWithOneLine("startup-it-rule-provider", Map.of(
                        "artifact-store.routing.rules[0].name", "to-nowhere",
                        "artifact-store.routing.rules[0].when.types", "video",
                        "artifact-store.routing.rules[0].provider", "nowhere"),
                "artifact-store.routing.rules[0].provider", "'nowhere' names no configured provider");
    }

    @Test
    void aRuleNamingAnUnknownArtifactTypeStopsStartUpWithOneLine() throws Exception {
        assertStopsWithOneLine("startup-it-rule-type", Map.of(
                        "artifact-store.routing.rules[0].name", "vidoes",
                        "artifact-store.routing.rules[0].when.types", "vidoe",
                        "artifact-store.routing.rules[0].provider", "local"),
                "artifact-store.routing.rules[0].when.types", "'vidoe' is not an artifact type; artifact types: [image, video");
    }

    @Test
    void anUnknownProviderTypeStopsStartUpWithOneLine() throws Exception {
        assertStopsWithOneLine("startup-it-provider-type", Map.of("artifact-store.providers.media.type", "s4"),
                "artifact-store.providers.media.type", "is not a known provider type");
    }

    @Test
    void anS3ProviderWithoutBucketStopsStartUpWithOneLine() throws Exception {
        assertStopsWithOneLine("startup-it-no-bucket", Map.of("artifact-store.providers.media.type", "s3"),
                "artifact-store.providers.media.bucket", "is required for s3 providers");
    }

    @Test
    void aNegativeSizeStopsStartUpWithOneLine() throws Exception {
        assertStopsWithOneLine("startup-it-negative-size", Map.of("artifact-store.types.image.max-size", "-5M"),
                "artifact-store.types.image.max-size", "-5M");
    }

    @Test
    void anAuditRetentionBelowADayStopsStartUpWithOneLine() throws Exception {
        assertStopsWithOneLine("startup-it-audit-retention", Map.of("artifact-store.audit.retention", "0s"),
                "artifact-store.audit.retention", "must be longer than or equal to 1 day");
    }

    @Test
    void aMalformedDurationStopsStartUpWithOneLine() throws Exception {
        assertStopsWithOneLine("startup-it-bad-duration", Map.of("artifact-store.signing.upload-ttl", "15 minutes"),
                "artifact-store.signing.upload-ttl", "15 minutes");
    }

    @Test
    void aMissingSettingStopsStartUpWithOneLine() throws Exception {
        assertStopsWithOneLine("startup-it-no-issuer", Map.of("mp.jwt.verify.issuer", ""),
                "mp.jwt.verify.issuer", "MP_JWT_VERIFY_ISSUER");
    }

    /**
     * An expected misconfiguration: a non-zero exit, exactly one line naming the key and saying what is
     * wrong, and no stack trace burying it.
     */
    private static PackagedService assertStopsWithOneLine(String name, Map<String, String> settings, String key, String reason)
            throws Exception {
        PackagedService run = start(name, settings);

        assertThat(run.exitCode(Duration.ofSeconds(90))).as(run.log()).isNotZero();
        String log = run.log();
        assertThat(log.lines().filter(line -> line.contains(key))).as(log).singleElement().asString().contains(reason);
        assertThat(log).as("no stack trace, in text or JSON").doesNotContain("\tat ").doesNotContain("Caused by")
                .doesNotContain("\"exception\"").doesNotContain("Failed to start").doesNotContain("\"level\":\"WARN\"");
        return run;
    }

    @Test
    void apiDocsAreServedInProdOnlyWhenTurnedOn() throws Exception {
        PackagedService off = start("startup-it-docs-off", Map.of()).awaitReady(Duration.ofSeconds(90));
        try {
            assertThat(status(off, "/q/openapi")).isEqualTo(404);
            assertThat(status(off, "/q/swagger-ui/")).isEqualTo(404);
        } finally {
            off.stop(Duration.ofSeconds(20));
        }

        PackagedService on = start("startup-it-docs-on", Map.of("artifact-store.api-docs.enabled", "true"))
                .awaitReady(Duration.ofSeconds(90));
        try {
            assertThat(status(on, "/q/openapi?format=json")).isEqualTo(200);
            assertThat(status(on, "/q/swagger-ui/")).isEqualTo(200);
        } finally {
            on.stop(Duration.ofSeconds(20));
        }
    }

    private static int status(PackagedService service, String path) {
        return RestAssured.given().port(service.apiPort()).get(path).statusCode();
    }

    /** Starts the packaged jar in prod mode with the base settings plus {@code settings}. */
    private static PackagedService start(String name, Map<String, String> settings) throws IOException {
        return new PackagedService(name, base, settings).start();
    }
}
