package io.artifactstore.config;

import io.artifactstore.testing.ArtifactStoreTestResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service in prod mode, as an operator starts it: a signing secret that is too short or a
 * misspelt provider setting stops start-up with a non-zero exit and a line naming the setting (and the
 * provider); the OpenAPI document and Swagger UI are served only when artifact-store.api-docs.enabled
 * says so.
 */
class StartupChecksIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Path WORK = Path.of("target", "startup-it").toAbsolutePath();

    private static ArtifactStoreTestResource resources;
    private static Map<String, String> base;
    private static int apiPort;

    @BeforeAll
    static void startTheDatabase() throws IOException {
        resources = new ArtifactStoreTestResource();
        base = new HashMap<>(resources.start()); // PostgreSQL, keys, local root
        // The tests' plug-in provider type is not in the packaged jar.
        base.keySet().removeIf(key -> key.startsWith("artifact-store.providers." + ArtifactStoreTestResource.PLAIN_PROVIDER + "."));
        apiPort = Integer.parseInt(base.remove("quarkus.http.test-port"));
        String managementPort = base.remove("quarkus.management.test-port");
        base.put("quarkus.http.port", Integer.toString(apiPort));
        base.put("quarkus.management.port", managementPort);
        base.put("artifact-store.signing.secret", UUID.randomUUID() + "-" + UUID.randomUUID());
        Files.createDirectories(WORK);
    }

    @AfterAll
    static void stopTheDatabase() {
        if (resources != null) {
            resources.stop(); // the logs stay in target/startup-it
        }
    }

    @Test
    void aShortSigningSecretStopsStartUpNamingTheSetting() throws Exception {
        Run run = start("short-secret", Map.of("artifact-store.signing.secret", "only-31-characters-long-secret!"));

        assertThat(run.exitCode()).as(run.log()).isNotZero();
        assertThat(run.log()).contains("artifact-store.signing.secret must be at least 32 characters long")
                .doesNotContain("only-31-characters-long-secret!");
    }

    @Test
    void aMisspeltProviderSettingStopsStartUpNamingKeyAndProvider() throws Exception {
        Run run = start("misspelt-setting", Map.of("artifact-store.providers.local.rooot", WORK.resolve("elsewhere").toString()));

        assertThat(run.exitCode()).as(run.log()).isNotZero();
        assertThat(run.log()).contains("artifact-store.providers.local.rooot is not a setting of local providers")
                .contains("root");
    }

    @Test
    void apiDocsAreServedInProdOnlyWhenTurnedOn() throws Exception {
        Run off = start("docs-off", Map.of());
        try {
            assertThat(off.readyOrExited()).as(off.log()).isTrue();
            assertThat(status("/q/openapi")).isEqualTo(404);
            assertThat(status("/q/swagger-ui/")).isEqualTo(404);
        } finally {
            off.stop();
        }

        Run on = start("docs-on", Map.of("artifact-store.api-docs.enabled", "true"));
        try {
            assertThat(on.readyOrExited()).as(on.log()).isTrue();
            assertThat(status("/q/openapi?format=json")).isEqualTo(200);
            assertThat(status("/q/swagger-ui/")).isEqualTo(200);
        } finally {
            on.stop();
        }
    }

    private static int status(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + apiPort + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Starts the packaged jar in prod mode with the base settings plus {@code settings}. */
    private static Run start(String name, Map<String, String> settings) throws IOException {
        Map<String, String> config = new HashMap<>(base);
        config.putAll(settings);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m"));
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString()));
        Path log = WORK.resolve(name + ".log");
        Process process = new ProcessBuilder(command).directory(WORK.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        return new Run(process, log);
    }

    private record Run(Process process, Path logFile) {

        /** The exit code of a start-up that should fail; it must fail within a minute. */
        int exitCode() throws InterruptedException {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("the service did not stop: " + log());
            }
            return process.exitValue();
        }

        /** True once the service answers on its API port; false if it exits first. */
        boolean readyOrExited() throws InterruptedException {
            Instant deadline = Instant.now().plusSeconds(90);
            while (Instant.now().isBefore(deadline) && process.isAlive()) {
                try {
                    status("/api/v1/providers");
                    return true;
                } catch (Exception notYet) {
                    Thread.sleep(250);
                }
            }
            return false;
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }

        String log() {
            try {
                return Files.readString(logFile);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }
    }
}
