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
 * The packaged service in prod mode, as an operator starts it: a signing secret that is too short or a
 * misspelt provider setting stops start-up with a non-zero exit and a line naming the setting (and the
 * provider); the OpenAPI document and Swagger UI are served only when artifact-store.api-docs.enabled
 * says so.
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
        PackagedService run = start("startup-it-short-secret", Map.of("artifact-store.signing.secret", "only-31-characters-long-secret!"));

        assertThat(run.exitCode(Duration.ofSeconds(90))).as(run.log()).isNotZero();
        assertThat(run.log()).contains("artifact-store.signing.secret must be at least 32 characters long")
                .doesNotContain("only-31-characters-long-secret!");
    }

    @Test
    void aMisspeltProviderSettingStopsStartUpNamingKeyAndProvider() throws Exception {
        PackagedService run = start("startup-it-misspelt-setting",
                Map.of("artifact-store.providers.local.rooot", Path.of("target", "elsewhere").toAbsolutePath().toString()));

        assertThat(run.exitCode(Duration.ofSeconds(90))).as(run.log()).isNotZero();
        assertThat(run.log()).contains("artifact-store.providers.local.rooot is not a setting of local providers")
                .contains("root");
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
