package io.artifactstore.ops;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.PackagedService;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.TempFolders;
import io.artifactstore.testing.Tokens;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Prometheus server (the Debian package; `.ci/run` installs it) scrapes the packaged service's
 * management port every second while the test uploads; Prometheus's own HTTP API then says the
 * target is up and the contract metrics hold the values the uploads imply. On a machine without
 * Prometheus the test is skipped, saying so; in CI (the variable CI set) it fails instead.
 */
class PrometheusScrapeIT {

    private static ArtifactStoreTestResource resources;
    private static PackagedService service;
    private static Process prometheus;
    private static Path prometheusDir;
    private static int prometheusPort;

    @BeforeAll
    static void startTheServiceAndPrometheus() throws Exception {
        Optional<Path> binary = prometheusBinary();
        if (binary.isEmpty() && System.getenv("CI") == null) {
            assumeTrue(false, "prometheus is not installed (apt-get install prometheus); the real scrape is not tested here");
        }
        assertThat(binary).as("prometheus on the PATH (CI installs it)").isPresent();
        resources = new ArtifactStoreTestResource();
        service = new PackagedService("prometheus-scrape-it", resources.start(),
                Map.of("artifact-store.signing.secret", UUID.randomUUID() + "-" + UUID.randomUUID())).start();
        service.awaitReady(Duration.ofSeconds(120));

        prometheusDir = Files.createTempDirectory("artifact-store-prometheus");
        prometheusPort = ArtifactStoreTestResource.freePort();
        Files.writeString(prometheusDir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: artifact-store
                    metrics_path: /q/metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(service.managementPort()));
        prometheus = new ProcessBuilder(binary.get().toString(),
                "--config.file=" + prometheusDir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + prometheusDir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(Path.of("target", "prometheus-scrape-it-prometheus.log").toFile()).start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor();
            }
            TempFolders.delete(prometheusDir);
        }
        if (service != null) {
            service.stop(Duration.ofSeconds(20));
            resources.stop();
        }
    }

    @Test
    void prometheusScrapesTheContractMetrics() {
        String token = Tokens.readerWriter("scraped");
        upload(token, "first", 5, 5);
        upload(token, "second", 7, 7);
        JsonPath wrongSize = upload(token, "short", 9, 3); // declared 9 bytes, sent 3: refused by the signed URL
        api(token).post("/api/v1/artifacts/{id}/complete", wrongSize.getString("artifact.id")).then().statusCode(409);

        service.await("Prometheus sees the target up", Duration.ofSeconds(60),
                () -> "1".equals(value("up{job=\"artifact-store\"}")));
        service.await("Prometheus has the uploads", Duration.ofSeconds(30), () ->
                "2".equals(value("sum(artifact_store_uploads_total{type=\"text\",provider=\"local\",outcome=\"completed\"})")));
        assertThat(value("sum(artifact_store_uploads_total{type=\"text\",outcome=\"missing\"})")).isEqualTo("1");
        assertThat(value("artifact_store_circuit_state{provider=\"local\"}")).isEqualTo("0");
        assertThat(value("sum(artifact_store_provider_bytes_total{provider=\"local\",direction=\"in\"})")).isEqualTo("12");
        assertThat(value("count(artifact_store_provider_operation_seconds_count{provider=\"local\"}) > 0")).isNotNull();
        // No tenant or artifact id ever becomes a label.
        assertThat(series("{job=\"artifact-store\"}")).noneMatch(labels -> labels.containsValue("scraped")
                || labels.keySet().stream().anyMatch(name -> name.contains("tenant") || name.contains("artifact_id")));
    }

    private static JsonPath upload(String token, String name, int declared, int sent) {
        JsonPath created = api(token).body(Map.of("type", "text", "boardId", "scrape", "contentType", "text/plain",
                "size", declared, "filename", name + ".txt")).post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
        SignedUrlClient.put(created.getString("upload.url"), Map.of("Content-Type", "text/plain"), new byte[sent]);
        if (declared == sent) {
            api(token).post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id")).then().statusCode(200);
        }
        return created;
    }

    /** The single value of an instant query, or null while it has none. */
    private static String value(String query) {
        List<List<Object>> values = prometheusApi().queryParam("query", query).get("/api/v1/query").then().statusCode(200)
                .extract().jsonPath().getList("data.result.value");
        return values.size() == 1 ? String.valueOf(values.get(0).get(1)) : null;
    }

    private static List<Map<String, String>> series(String match) {
        return prometheusApi().queryParam("match[]", match).get("/api/v1/series").then().statusCode(200)
                .extract().jsonPath().getList("data");
    }

    private static RequestSpecification prometheusApi() {
        return RestAssured.given().port(prometheusPort);
    }

    private static RequestSpecification api(String token) {
        return RestAssured.given().port(service.apiPort()).auth().oauth2(token).contentType(ContentType.JSON);
    }

    private static Optional<Path> prometheusBinary() {
        return Stream.of(System.getenv("PATH").split(":")).map(dir -> Path.of(dir, "prometheus"))
                .filter(Files::isExecutable).findFirst();
    }
}
