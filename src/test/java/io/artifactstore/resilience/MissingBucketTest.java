package io.artifactstore.resilience;

import io.artifactstore.security.Roles;
import io.artifactstore.testing.BlackHoleTestResource;
import io.artifactstore.testing.Management;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * A provider configured on a bucket that does not exist (on the real S3Proxy) is reported as exactly
 * that, not as "unreachable": in GET /api/v1/providers, in its readiness check, once in the log, and
 * in the 503 of an upload no provider can take, which names each candidate and why.
 */
@QuarkusTest
@TestProfile(MissingBucketTest.Profile.class)
class MissingBucketTest {

    static final String PROVIDER = "nobucket";
    static final String PROBLEM = "bucket 'no-such-bucket' does not exist";

    /** The faults profile (frequent probes, the black-hole provider) plus a provider on a missing bucket, where models go. */
    public static class Profile extends FaultsProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            String prefix = "artifact-store.providers." + PROVIDER + ".";
            config.put(prefix + "type", "s3");
            config.put(prefix + "bucket", "no-such-bucket");
            config.put(prefix + "endpoint", "${artifact-store.providers.s3.endpoint}");
            config.put(prefix + "path-style", "true");
            config.put(prefix + "access-key-id", "${artifact-store.providers.s3.access-key-id}");
            config.put(prefix + "secret-access-key", "${artifact-store.providers.s3.secret-access-key}");
            config.put("artifact-store.routing.rules[2].name", "models-to-nobucket");
            config.put("artifact-store.routing.rules[2].when.types", "model");
            config.put("artifact-store.routing.rules[2].provider", PROVIDER);
            config.put("artifact-store.routing.rules[2].fallbacks", BlackHoleTestResource.PROVIDER);
            config.put("quarkus.log.file.enabled", "true");
            // A file of its own per run, so that it holds this run's lines only.
            config.put("quarkus.log.file.path", Path.of("target", "missing-bucket-test-" + System.nanoTime() + ".log")
                    .toAbsolutePath().toString());
            return config;
        }
    }

    private final String admin = Tokens.of("buckets", Roles.ADMIN);
    private final String writer = Tokens.readerWriter("buckets");

    @Inject
    ProviderMonitor monitor;

    @Test
    void aMissingBucketIsReportedAsSuchEverywhere() throws Exception {
        await("nobucket and stuck marked unusable", () -> monitor.problem(PROVIDER).isPresent()
                && monitor.problem(BlackHoleTestResource.PROVIDER).isPresent());
        Thread.sleep(1000); // a few more probes, which must not log it again

        given().auth().oauth2(admin).get("/api/v1/providers").then().statusCode(200)
                .body("find { it.name == 'nobucket' }.healthy", equalTo(false))
                .body("find { it.name == 'nobucket' }.circuit", equalTo("CLOSED"))
                .body("find { it.name == 'nobucket' }.problem", equalTo(PROBLEM))
                .body("find { it.name == 's3' }.healthy", equalTo(true))
                .body("find { it.name == 's3' }.problem", nullValue());
        Management.given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'provider-nobucket' }.data.reachable", equalTo(false))
                .body("checks.find { it.name == 'provider-nobucket' }.data.problem", equalTo(PROBLEM))
                .body("checks.find { it.name == 'provider-s3' }.data.problem", nullValue());

        Map<String, Object> model = Map.of("type", "model", "contentType", "application/octet-stream", "size", 10);
        String detail = given().auth().oauth2(writer).contentType(ContentType.JSON).body(model).post("/api/v1/artifacts")
                .then().statusCode(503).contentType("application/problem+json").header("Retry-After", notNullValue())
                .extract().path("detail");
        assertThat(detail).startsWith("No storage provider can take this upload right now: nobucket (" + PROBLEM + "), stuck (")
                .containsPattern("stuck \\((circuit open after: )?timeouts\\)")
                .doesNotContain("127.0.0.1").doesNotContain(S3TestResource.BUCKET);

        String log = Files.readString(Path.of(ConfigProvider.getConfig().getValue("quarkus.log.file.path", String.class)));
        assertThat(log.lines().filter(line -> line.contains("Provider nobucket cannot take uploads")))
                .as("logged once, when it was found").singleElement().asString().contains(PROBLEM).contains("WARN");
        assertThat(log).doesNotContain("\tat ").doesNotContain("Provider nobucket is unreachable");
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as(what).isBefore(deadline);
            Thread.sleep(50);
        }
    }
}
