package io.artifactstore.ops;

import io.artifactstore.artifact.ApiClient;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.testing.Management;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.artifactstore.resilience.FaultsProfile;
import io.artifactstore.testing.S3TestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert rules and the Grafana dashboard may only name metrics the service really exports:
 * {@code .ci/check-ops.sh} checks their queries against {@code docker/prometheus/exported-metrics.txt},
 * and this test checks that file against the live {@code /q/metrics} after a small workload (an upload
 * on each provider, a complete without bytes, a download, a 404, a fallback while S3 is stopped), so
 * the list cannot drift from the code. It runs in the faults profile (frequent probes) to fall back quickly.
 * Run it alone with {@code -Dops.write-metrics=true} to rewrite the file from the live exposition.
 */
@QuarkusTest
@TestProfile(FaultsProfile.class)
class ExportedMetricsTest {

    static final Path LIST = Path.of("docker/prometheus/exported-metrics.txt");
    /** Names the rules or the dashboard use before the service exports them, each with its reason. */
    static final Path AWAITED = Path.of("docker/prometheus/awaited-metrics.txt");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? \\S+.*$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");

    @Test
    void everyListedMetricAndLabelIsExported() throws IOException, InterruptedException {
        exerciseEveryPath();
        // The GC pause timer appears with the first collection after start-up (tests run in the
        // service's JVM); the notification arrives asynchronously, hence the wait below.
        System.gc();
        Map<String, TreeSet<String>> listed = parse(Files.readString(LIST));
        String exposition = awaitExposition(listed);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/exported-metrics.prom"), exposition); // for reading when a check fails
        Map<String, TreeSet<String>> live = namesAndLabels(exposition);

        if (Boolean.getBoolean("ops.write-metrics")) {
            Files.writeString(LIST, render(live));
            listed = parse(Files.readString(LIST));
        }
        assertThat(listed).as("the list is not empty").isNotEmpty();
        for (Map.Entry<String, TreeSet<String>> metric : listed.entrySet()) {
            assertThat(live).as("exported metric names").containsKey(metric.getKey());
            assertThat(live.get(metric.getKey())).as("labels of " + metric.getKey()).containsAll(metric.getValue());
        }
        for (String awaited : parse(Files.readString(AWAITED)).keySet()) {
            assertThat(live).as(awaited + " is exported now: move it from " + AWAITED + " to " + LIST
                    + " (rerun this test alone with -Dops.write-metrics=true)").doesNotContainKey(awaited);
        }
    }

    /** The exposition once it names every listed metric, or after 15 s: meters registered by events settle. */
    private static String awaitExposition(Map<String, TreeSet<String>> listed) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(15);
        while (true) {
            String exposition = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
            if (namesAndLabels(exposition).keySet().containsAll(listed.keySet()) || Instant.now().isAfter(deadline)) {
                return exposition;
            }
            Thread.sleep(200);
        }
    }

    /** One of each thing the dashboard and the alerts watch, so each of their series exists. */
    private static void exerciseEveryPath() {
        String token = Tokens.readerWriter("exported-metrics");
        JsonPath image = ApiClient.uploaded(token, "ops", new byte[128]);
        String download = given().header("Authorization", "Bearer " + token)
                .get("/api/v1/artifacts/{id}/download-url", image.getString("artifact.id"))
                .then().statusCode(200).extract().path("url");
        assertThat(SignedUrlClient.get(download).statusCode()).isEqualTo(200);

        byte[] video = new byte[256];
        JsonPath onS3 = create(token, "video", "video/mp4", video.length);
        assertThat(SignedUrlClient.put(ticket(onS3), video).statusCode()).isEqualTo(200);
        complete(token, onS3).then().statusCode(200);

        JsonPath missing = create(token, "image", "image/png", 10);
        complete(token, missing).then().statusCode(409);

        given().header("Authorization", "Bearer " + token).get("/api/v1/artifacts/{id}", "no-such-artifact")
                .then().statusCode(404);

        // A video while S3 is down goes to the rule's fallback: artifact_store_fallbacks_total{from,to}.
        S3TestResource.server().stop();
        try {
            awaitS3Reachable(false);
            assertThat(create(token, "video", "video/mp4", 16).getString("artifact.variants[0].provider")).isEqualTo("local");
        } finally {
            S3TestResource.server().start();
            awaitS3Reachable(true);
        }
    }

    private static void awaitS3Reachable(boolean reachable) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (!Boolean.valueOf(reachable).equals(Management.given().get("/q/health/ready").then().extract()
                .path("checks.find { it.name == 'provider-s3' }.data.reachable"))) {
            assertThat(Instant.now()).as("s3 reachable=" + reachable + " in time").isBefore(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static JsonPath create(String token, String type, String contentType, int size) {
        return given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                .body(Map.of("type", type, "boardId", "ops", "contentType", contentType, "size", size))
                .post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
    }

    private static io.restassured.response.Response complete(String token, JsonPath created) {
        return given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                .post("/api/v1/artifacts/{id}/complete", created.getString("artifact.id"));
    }

    private static SignedRequest ticket(JsonPath created) {
        return new SignedRequest(created.getString("upload.method"), created.getString("upload.url"),
                created.getMap("upload.headers", String.class, String.class), null);
    }

    /** Each sample's metric name and the label names it carries, merged over all its series. */
    static Map<String, TreeSet<String>> namesAndLabels(String exposition) {
        Map<String, TreeSet<String>> names = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.matches()) {
                continue;
            }
            TreeSet<String> labels = names.computeIfAbsent(sample.group(1), n -> new TreeSet<>());
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    labels.add(label.group(1));
                }
            }
        }
        return names;
    }

    /** One line per metric: its name, then its label names separated by commas. */
    static String render(Map<String, TreeSet<String>> names) {
        StringBuilder out = new StringBuilder("# Metric names and label names the service exports on /q/metrics,\n"
                + "# checked against the live exposition by ExportedMetricsTest (regenerate: see its javadoc).\n");
        names.forEach((name, labels) -> out.append(name).append(labels.isEmpty() ? "" : " " + String.join(",", labels))
                .append('\n'));
        return out.toString();
    }

    static Map<String, TreeSet<String>> parse(String list) {
        Map<String, TreeSet<String>> names = new TreeMap<>();
        for (String line : list.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] parts = trimmed.split("#", 2)[0].strip().split("\\s+", 2);
            TreeSet<String> labels = new TreeSet<>();
            if (parts.length > 1) {
                labels.addAll(java.util.List.of(parts[1].split(",")));
            }
            names.put(parts[0], labels);
        }
        return names;
    }
}
