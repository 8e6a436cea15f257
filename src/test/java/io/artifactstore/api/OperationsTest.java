package io.artifactstore.api;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.Management;
import io.artifactstore.testing.Tokens;
import io.artifactstore.artifact.ApiClient;

import static org.assertj.core.api.Assertions.assertThat;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import io.artifactstore.testing.Promtool;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** Health, metrics (on the management port) and the OpenAPI document are served without a token, for operators and tools. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class OperationsTest {

    @Test
    void readinessReportsEachProvider() {
        Management.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("provider-local"))
                .body("checks.find { it.name == 'provider-local' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'provider-s3' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'provider-s3' }.data.type", equalTo("s3"));
        Management.given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void theContractsMetricsAreExported() {
        String token = Tokens.readerWriter("metrics");
        ApiClient.uploaded(token, "b", new byte[64]);
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .contains("artifact_store_provider_operation_seconds_bucket{operation=\"stat\",outcome=\"success\",provider=\"local\"")
                .contains("artifact_store_provider_operation_seconds_count{operation=\"probe\",outcome=\"success\",provider=\"s3\"}")
                .contains("artifact_store_uploads_total{outcome=\"completed\",provider=\"local\",type=\"image\"}")
                .contains("artifact_store_provider_bytes_total{direction=\"in\",provider=\"local\"}")
                .contains("artifact_store_circuit_state{provider=\"local\"} 0.0")
                .contains("artifact_store_stored_bytes{provider=\"s3\"}")
                .doesNotContain("metrics/image"); // never a tenant or an id as a label
    }

    @Test
    void theMetricsAreFitForAlerting() throws Exception {
        ApiClient.uploaded(Tokens.readerWriter("alerting"), "b", new byte[16]);
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        // What alerts rate() over exists from start-up, for every combination the configuration implies.
        assertThat(metrics)
                .containsPattern("(?m)^artifact_store_fallbacks_total\\{from=\"s3\",to=\"local\"} ")
                .containsPattern("(?m)^artifact_store_uploads_total\\{outcome=\"rejected\",provider=\"s3\",type=\"video\"} ")
                .containsPattern("(?m)^artifact_store_provider_bytes_total\\{direction=\"out\",provider=\"local\"} ");
        // Every family says what it is.
        Matcher families = Pattern.compile("(?m)^# TYPE (\\S+) ").matcher(metrics);
        while (families.find()) {
            assertThat(metrics).containsPattern("(?m)^# HELP " + Pattern.quote(families.group(1)) + " \\S");
        }
        // Latency histograms have a dozen buckets per series, not Micrometer's ~70.
        for (String histogram : new String[] {"http_server_requests_seconds", "artifact_store_provider_operation_seconds"}) {
            Matcher series = Pattern.compile("(?m)^" + histogram + "_bucket\\{(.*)le=\"[^\"]+\",?(.*)} ").matcher(metrics);
            java.util.Map<String, Integer> buckets = new java.util.HashMap<>();
            while (series.find()) {
                buckets.merge(series.group(1) + series.group(2), 1, Integer::sum);
            }
            assertThat(buckets).as(histogram).isNotEmpty();
            assertThat(buckets.values()).as(histogram).allMatch(count -> count == 13);
        }
        assertThat(Promtool.checkMetrics(metrics)).isEmpty();
    }

    @Test
    void aTokenIsVerifiedOnceThenServedFromTheCache() {
        String token = Tokens.readerWriter("token-cache");
        double hitsBefore = verifiedTokenHits();

        for (int i = 0; i < 3; i++) {
            given().header("Authorization", "Bearer " + token).get("/api/v1/artifacts").then().statusCode(200);
        }

        assertThat(verifiedTokenHits() - hitsBefore).isEqualTo(2.0);
    }

    private static double verifiedTokenHits() {
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher hits = Pattern.compile("(?m)^cache_gets_total\\{cache=\"verified-tokens\",result=\"hit\"} (\\S+)$").matcher(metrics);
        assertThat(hits.find()).as("the verified-tokens cache reports its hits").isTrue();
        return Double.parseDouble(hits.group(1));
    }

    @Test
    void prometheusMetricsAndOpenApiAreServed() {
        Management.given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/artifacts"));
    }

    @Test
    void healthAndMetricsAreNotOnThePublicPort() {
        for (String path : new String[] {"/q/health", "/q/health/ready", "/q/health/live", "/q/metrics"}) {
            given().get(path).then().statusCode(404);
        }
    }
}
