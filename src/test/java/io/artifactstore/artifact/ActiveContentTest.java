package io.artifactstore.artifact;

import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.DownloadTarget;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing active is served inline (README, "Serving downloads safely"): types a browser would run are
 * attachments with nosniff and a sandboxing CSP on the local provider, whatever disposition was asked
 * or signed; S3 download URLs sign an attachment disposition for them; every answer says nosniff.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ActiveContentTest {

    private static final List<String> ACTIVE = List.of("text/html", "image/svg+xml", "application/xhtml+xml",
            "text/xml", "application/xml", "text/javascript", "application/pdf", "text/html; charset=utf-8", "TEXT/HTML",
            "application/vnd.example+xml", "video/x-fake+xml");

    private final String token = Tokens.readerWriter("active-" + Ulid.next().toLowerCase());

    @Inject
    ProviderRegistry providers;

    @Inject
    Pool database;

    @Test
    void activeTypesAreServedAsSandboxedAttachmentsByTheLocalProvider() {
        byte[] page = "<html><script>alert(document.cookie)</script></html>".getBytes(StandardCharsets.UTF_8);
        for (String type : ACTIVE) {
            String id = uploadedIntermediate(type, page);
            for (String asked : new String[]{"?disposition=inline", "", "?disposition=attachment"}) {
                String url = as(token).get("/api/v1/artifacts/{id}/download-url" + asked, id).then().statusCode(200).extract().path("url");
                HttpResponse<byte[]> answer = SignedUrlClient.get(url);
                assertThat(answer.statusCode()).as(type + asked).isEqualTo(200);
                assertThat(answer.headers().firstValue("Content-Disposition")).as(type + asked).hasValueSatisfying(
                        value -> assertThat(value).startsWith("attachment; filename=\"page.html\""));
                assertSandboxed(answer, type + asked);
            }
            // A URL signed for inline before this rule existed: still an attachment.
            StorageKey key = storedKey(id);
            String old = providers.get("local").presignDownload(new DownloadTarget(key, type, "inline; filename=\"page.html\"",
                    Duration.ofMinutes(5))).await().atMost(Duration.ofSeconds(5)).url();
            HttpResponse<byte[]> answer = SignedUrlClient.get(old);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Disposition")).as(type).hasValue("attachment; filename=\"page.html\"");
            assertSandboxed(answer, type);
            HttpResponse<byte[]> head = SignedUrlClient.head(old);
            assertThat(head.headers().firstValue("Content-Disposition")).as(type).hasValue("attachment; filename=\"page.html\"");
            assertSandboxed(head, type + " HEAD");
        }
    }

    @Test
    void safeTypesStayInlineWhenAskedAndStillSayNosniff() {
        String id = uploadedIntermediate("text/plain", "just text".getBytes(StandardCharsets.UTF_8));
        String url = as(token).get("/api/v1/artifacts/{id}/download-url?disposition=inline", id).then().statusCode(200).extract().path("url");
        HttpResponse<byte[]> answer = SignedUrlClient.get(url);
        assertThat(answer.headers().firstValue("Content-Disposition")).hasValueSatisfying(value -> assertThat(value).startsWith("inline"));
        assertSandboxed(answer, "text/plain");
    }

    @Test
    void s3DownloadUrlsSignAnAttachmentForActiveTypes() {
        JsonPath created = create(token, new HashMap<>(Map.of("type", "video", "contentType", "video/mp4", "size", 10,
                "filename", "page.html")));
        String id = created.getString("artifact.id");
        assertThat(created.getString("artifact.variants[0].provider")).isEqualTo(S3TestResource.PROVIDER);
        for (String type : ACTIVE) {
            // A record whose type the policy would not take today (an older policy took it): the URL decides.
            database.preparedQuery("UPDATE artifact_variants SET status = 'AVAILABLE', content_type = $2 WHERE artifact_id = $1")
                    .execute(Tuple.of(id, type)).await().atMost(Duration.ofSeconds(10));
            String url = as(token).get("/api/v1/artifacts/{id}/download-url?disposition=inline", id).then().statusCode(200).extract().path("url");
            assertThat(queryParam(url, "response-content-disposition")).as(type).startsWith("attachment; filename=\"page.html\"");
        }
        database.preparedQuery("UPDATE artifact_variants SET content_type = 'video/mp4' WHERE artifact_id = $1")
                .execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(10));
        String url = as(token).get("/api/v1/artifacts/{id}/download-url?disposition=inline", id).then().statusCode(200).extract().path("url");
        assertThat(queryParam(url, "response-content-disposition")).startsWith("inline");
    }

    @Test
    void everyAnswerSaysNosniff() {
        given().get("/api/v1/artifacts").then().statusCode(401).header("X-Content-Type-Options", "nosniff");
        as(token).get("/api/v1/artifacts").then().statusCode(200).header("X-Content-Type-Options", "nosniff");
        as(token).get("/api/v1/artifacts/{id}", "nope").then().statusCode(404).header("X-Content-Type-Options", "nosniff");
        given().get("/storage/local/a/b/c").then().statusCode(400).header("X-Content-Type-Options", "nosniff");
        given().get("/no/such/route").then().statusCode(404).header("X-Content-Type-Options", "nosniff");
        given().get("/q/health/ready").then().header("X-Content-Type-Options", "nosniff");
    }

    private static void assertSandboxed(HttpResponse<byte[]> answer, String what) {
        assertThat(answer.headers().firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
        assertThat(answer.headers().firstValue("Content-Security-Policy")).as(what)
                .hasValueSatisfying(csp -> assertThat(csp).contains("sandbox").contains("default-src 'none'"));
    }

    private String uploadedIntermediate(String type, byte[] data) {
        JsonPath created = create(token, new HashMap<>(Map.of("type", "intermediate", "contentType", type, "size", data.length,
                "filename", "page.html")));
        assertThat(SignedUrlClient.put(ticket(created), data).statusCode()).isEqualTo(200);
        String id = created.getString("artifact.id");
        as(token).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        return id;
    }

    private StorageKey storedKey(String id) {
        JsonPath artifact = as(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).extract().jsonPath();
        return StorageKey.parse(artifact.getString("variants[0].key")).withVersion(artifact.getString("variants[0].version"));
    }

    private static String queryParam(String url, String name) {
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            if (pair.substring(0, equals).equals(name)) {
                return URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }
}
