package io.artifactstore.artifact;

import io.artifactstore.core.Ulid;
import io.artifactstore.security.Roles;
import io.artifactstore.security.UrlSigner;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A corpus of hostile input (control characters, coercions, oversized and malformed values, claim
 * types) through the API and the signed routes. Each answer must be a 4xx problem+json naming the
 * field where there is one, and nothing may change in the database or in the store.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class HostileInputCorpusTest {

    private static final String VALID = """
            "type":"image","contentType":"image/png","size":3,"filename":"cat.png","metadata":{"prompt":"a cat"}""";

    private final String tenant = "hostile-" + Ulid.next().toLowerCase();
    private final String token = Tokens.readerWriter(tenant);

    @Inject
    Pool database;

    @Inject
    UrlSigner signer;

    private String availableId;
    private String availableKey;
    private String downloadUrl;
    private String uploadUrl;
    private long rowsBefore;
    private List<Path> filesBefore;

    @BeforeEach
    void oneAvailableAndOnePendingArtifact() {
        var available = ApiClient.uploaded(token, "board", new byte[]{1, 2, 3});
        availableId = available.getString("artifact.id");
        availableKey = available.getString("artifact.variants[0].key");
        downloadUrl = ApiClient.as(token).get("/api/v1/artifacts/{id}/download-url?disposition=attachment", availableId)
                .then().statusCode(200).extract().path("url");
        uploadUrl = ApiClient.as(token).body("{" + VALID + "}").post("/api/v1/artifacts")
                .then().statusCode(201).extract().path("upload.url");
        rowsBefore = rows();
        filesBefore = files();
    }

    @Test
    void hostileUploadRequestsAre400NamingTheField() {
        List<String[]> corpus = new ArrayList<>();
        // Control characters and other text that must not reach a header, a key, a log line or a signature.
        for (String bad : List.of("\\r\\nX-Injected: yes", "\\n", "\\r", "\\u0000", "\\t", "\\u0085", "\\u2028", "\\u001b[31m")) {
            corpus.add(new String[]{"contentType", field("contentType", "\"image/png" + bad + "\"")});
            corpus.add(new String[]{"contentType", field("contentType", "\"image/png; a=b" + bad + "\"")});
            corpus.add(new String[]{"filename", field("filename", "\"cat" + bad + ".png\"")});
            corpus.add(new String[]{"boardId", field("boardId", "\"board" + bad + "\"")});
            corpus.add(new String[]{"variant", field("variant", "\"original" + bad + "\"")});
            corpus.add(new String[]{"type", field("type", "\"image" + bad + "\"")});
            corpus.add(new String[]{"metadata", field("metadata", "{\"key" + bad + "\": 1}")});
        }
        corpus.add(new String[]{"contentType", field("contentType", "\"image/png;\\r\\n a=b\"")});
        // NUL and unpaired surrogates cannot be stored as text.
        for (String bad : List.of("\\u0000", "\\ud800", "\\udc00", "x\\ud83dy")) {
            corpus.add(new String[]{"metadata", field("metadata", "{\"prompt\": \"a" + bad + "\"}")});
            corpus.add(new String[]{"metadata", field("metadata", "{\"deep\": [{\"x\": \"" + bad + "\"}]}")});
            corpus.add(new String[]{"filename", field("filename", "\"a" + bad + "\"")});
        }
        // Coercions: every field takes only its own JSON type.
        for (String size : List.of("5.9", "3.0", "\"3\"", "\"\"", "true", "[3]", "{}", "null", "-1", "1e400",
                "9223372036854775808", "-9223372036854775809", "3e0")) {
            corpus.add(new String[]{"size", field("size", size)});
        }
        for (String name : List.of("type", "contentType", "filename", "boardId", "variant", "artifactId", "sha256")) {
            for (String value : List.of("5", "1.5", "true", "[\"x\"]", "{\"x\":1}")) {
                corpus.add(new String[]{name, field(name, value)});
            }
        }
        for (String value : List.of("\"x\"", "5", "[1]", "true")) {
            corpus.add(new String[]{"metadata", field("metadata", value)});
        }
        // Numbers that do not fit, and nesting without end.
        corpus.add(new String[]{"metadata", field("metadata", "{\"n\": 1e400}")});
        corpus.add(new String[]{"metadata", field("metadata", "{\"n\": -1e999}")});
        corpus.add(new String[]{"metadata", field("metadata", nested(20))});
        corpus.add(new String[]{null, field("metadata", nested(200))});
        // Oversized values.
        corpus.add(new String[]{"filename", field("filename", "\"" + "a".repeat(256) + "\"")});
        corpus.add(new String[]{"contentType", field("contentType", "\"image/" + "a".repeat(300) + "\"")});
        corpus.add(new String[]{"boardId", field("boardId", "\"" + "b".repeat(129) + "\"")});
        corpus.add(new String[]{"sha256", field("sha256", "\"" + "a".repeat(64) + "\\n\"")});
        corpus.add(new String[]{"metadata", field("metadata", "{\"" + "k".repeat(300) + "\": 1}")});
        // Duplicate keys, trailing garbage, not an object.
        corpus.add(new String[]{"type", "{" + VALID + ",\"type\":\"video\"}"});
        corpus.add(new String[]{"metadata.a", "{" + VALID.replace("{\"prompt\":\"a cat\"}", "{\"a\":1,\"a\":2}") + "}"});
        corpus.add(new String[]{null, "{" + VALID + "} x"});
        corpus.add(new String[]{null, "{" + VALID + "}{" + VALID + "}"});
        corpus.add(new String[]{null, "[{" + VALID + "}]"});
        corpus.add(new String[]{null, "\"x\""});
        corpus.add(new String[]{null, "null"});
        corpus.add(new String[]{null, "{" + VALID});

        for (String[] entry : corpus) {
            Response answer = ApiClient.as(token).body(entry[1]).post("/api/v1/artifacts");
            assertProblem(answer, 400, entry[1]);
            if (entry[0] != null) {
                assertThat(answer.jsonPath().getList("errors.field", String.class)).as("field of %s", entry[1]).contains(entry[0]);
            }
            assertThat(answer.asString()).as("no internals for %s", entry[1]).doesNotContain("jackson", "Exception", "io.artifactstore");
            assertNothingChanged(entry[1]);
        }
    }

    @Test
    void bytesThatAreNotUtf8Are400() {
        byte[] body = ("{" + VALID.replace("cat.png", "cat\u0001.png") + "}").getBytes(StandardCharsets.ISO_8859_1);
        byte[] invalid = ("{" + VALID.replace("a cat", "a XX") + "}").getBytes(StandardCharsets.UTF_8);
        int at = new String(invalid, StandardCharsets.UTF_8).indexOf("XX");
        invalid[at] = (byte) 0xC3; // a lead byte followed by a non-continuation byte
        invalid[at + 1] = (byte) 0x28;
        for (byte[] bytes : List.of(body, invalid)) {
            Response answer = ApiClient.as(token).body(bytes).post("/api/v1/artifacts");
            assertProblem(answer, 400, new String(bytes, StandardCharsets.ISO_8859_1));
            assertNothingChanged("raw bytes");
        }
    }

    @Test
    void hostileQueryParametersAndPathIdsAre400NamingTheField() {
        String[][] corpus = {
                {"limit", "/api/v1/artifacts?limit=1.5"}, {"limit", "/api/v1/artifacts?limit=%0A5"},
                {"limit", "/api/v1/artifacts?limit=+5"}, {"limit", "/api/v1/artifacts?limit=1e3"},
                {"limit", "/api/v1/artifacts?limit=99999999999"}, {"limit", "/api/v1/artifacts?limit=0"},
                {"limit", "/api/v1/artifacts?limit=-1"}, {"limit", "/api/v1/artifacts?limit=%205"},
                {"cursor", "/api/v1/artifacts?cursor=%00"}, {"cursor", "/api/v1/artifacts?cursor=Li4vLi4"},
                {"cursor", "/api/v1/artifacts?cursor=YQpi"}, {"cursor", "/api/v1/artifacts?cursor=!!"},
                {"boardId", "/api/v1/artifacts?boardId=a%0D%0Ab"}, {"boardId", "/api/v1/artifacts?boardId=.."},
                {"type", "/api/v1/artifacts?type=image%0A"}, {"type", "/api/v1/artifacts?type=IMAGE"},
                {"status", "/api/v1/artifacts?status=AVAILABLE%0A"}, {"status", "/api/v1/artifacts?status=1"},
                {"id", "/api/v1/artifacts/a%0Ab"}, {"id", "/api/v1/artifacts/a%00b"}, {"id", "/api/v1/artifacts/%E2%80%A8"},
                {"variant", "/api/v1/artifacts/" + Ulid.next() + "/download-url?variant=orig%0Dinal"},
                {"expiresIn", "/api/v1/artifacts/" + Ulid.next() + "/download-url?expiresIn=1.5"},
                {"expiresIn", "/api/v1/artifacts/" + Ulid.next() + "/download-url?expiresIn=%0A60"},
                {"expiresIn", "/api/v1/artifacts/" + Ulid.next() + "/download-url?expiresIn=-1"},
                {"expiresIn", "/api/v1/artifacts/" + Ulid.next() + "/download-url?expiresIn=1e3"},
                {"disposition", "/api/v1/artifacts/" + Ulid.next() + "/download-url?disposition=inline%0D%0AX:%20y"},
                {"disposition", "/api/v1/artifacts/" + Ulid.next() + "/download-url?disposition=INLINE"},
        };
        for (String[] entry : corpus) {
            Response answer = ApiClient.as(token).urlEncodingEnabled(false).get(entry[1]);
            assertProblem(answer, 400, entry[1]);
            assertThat(answer.jsonPath().getList("errors.field", String.class)).as("field of %s", entry[1]).contains(entry[0]);
        }
        for (String path : List.of("/api/v1/artifacts/%s/complete?variant=a%%0Ab", "/api/v1/artifacts/a%%0A%s/complete")) {
            Response answer = ApiClient.as(token).urlEncodingEnabled(false).post(String.format(path, availableId));
            assertProblem(answer, 400, path);
            assertNothingChanged(path);
        }
        Response answer = ApiClient.as(token).urlEncodingEnabled(false).delete("/api/v1/artifacts/" + availableId + "%0A");
        assertProblem(answer, 400, "delete");
        assertNothingChanged("delete");
    }

    @Test
    void onlyAStringTenantClaimIsATenant() {
        String numeric = Long.toString(100_000_000L + new java.util.Random().nextInt(800_000_000));
        ApiClient.as(Tokens.readerWriter(numeric)).body("{" + VALID + "}").post("/api/v1/artifacts").then().statusCode(201);
        rowsBefore = rows();
        filesBefore = files();
        List<Object> claims = new ArrayList<>(List.of(123, 123L, 1.5, true, false, List.of("a"), Map.of("a", "b"),
                "", "a\nb", "a\u0000b", "../x"));
        claims.add(Long.parseLong(numeric)); // the same digits as the string tenant above: still not that tenant
        for (Object claim : claims) {
            String forged = Tokens.withTenantClaim(claim, Roles.READ, Roles.WRITE);
            // Another JSON type is a bad token (401); a string that is no valid id, no tenant (403).
            int status = claim instanceof String ? 403 : 401;
            assertProblem(ApiClient.as(forged).get("/api/v1/artifacts"), status, "claim " + claim);
            assertProblem(ApiClient.as(forged).body("{" + VALID + "}").post("/api/v1/artifacts"), status, "claim " + claim);
            assertNothingChanged("claim " + claim);
        }
        assertProblem(ApiClient.as(Tokens.withoutTenant(Roles.READ)).get("/api/v1/artifacts"), 403, "no claim");
    }

    @Test
    void tamperedSignedUrlsAre403AndTouchNothing() {
        List<String> downloads = new ArrayList<>();
        downloads.add(downloadUrl.replace("contentType=image%2Fpng", "contentType=image%2Fpng%0D%0AX-Evil%3A+yes"));
        downloads.add(downloadUrl.replace("contentType=image%2Fpng", "contentType=text%2Fhtml"));
        downloads.add(downloadUrl.replace("disposition=attachment", "disposition=attachment%0D%0ASet-Cookie%3A+a%3Db"));
        downloads.add(downloadUrl.replace("disposition=attachment", "disposition=inline"));
        downloads.add(downloadUrl + "&contentType=text%2Fhtml");
        downloads.add(downloadUrl.replace("?", "?contentType=text%2Fhtml&"));
        downloads.add(downloadUrl + "&signature=AAAA");
        downloads.add(downloadUrl.replaceAll("expires=([0-9]+)", "expires=$1%0A"));
        downloads.add(downloadUrl.replaceAll("expires=([0-9]+)", "expires=99999999999999999999"));
        downloads.add(downloadUrl.replaceAll("expires=([0-9]+)", "expires=1e10"));
        // Re-split: the end of one signed field moved into the next one.
        downloads.add(downloadUrl.replace("contentType=image%2Fpng", "contentType=image%2F")
                .replace("disposition=attachment", "sha256=png&disposition=attachment"));
        for (String url : downloads) {
            HttpResponse<byte[]> answer = SignedUrlClient.get(url);
            assertThat(answer.statusCode()).as(url).isEqualTo(403);
            assertThat(answer.headers().firstValue("Content-Type")).as(url).hasValue("application/problem+json");
            assertThat(answer.headers().map()).as(url).doesNotContainKey("X-Evil").doesNotContainKey("set-cookie");
        }
        Map<String, String> headers = Map.of("Content-Type", "image/png");
        List<String> uploads = List.of(
                uploadUrl.replace("size=3", "size=4"),
                uploadUrl.replace("size=3", "size=3%0A"),
                uploadUrl.replace("size=3", "size=03"),
                uploadUrl + "&size=4",
                uploadUrl.replace("contentType=image%2Fpng", "contentType=image%2Fpng%0D%0A"),
                uploadUrl.replace("contentType=image%2Fpng", "contentType=image%2Fpng&contentType=text%2Fhtml"));
        for (String url : uploads) {
            HttpResponse<byte[]> answer = SignedUrlClient.put(url, headers, new byte[url.contains("size=4") ? 4 : 3]);
            assertThat(answer.statusCode()).as(url).isEqualTo(403);
            assertNothingChanged(url);
        }
        assertThat(SignedUrlClient.get(downloadUrl).statusCode()).as("the untampered URL still works").isEqualTo(200);
    }

    @Test
    void aStoredValueThatCannotBeAHeaderEndsInAnAnswerNotAHang() {
        // A record written before the input rules were strict: its content type would split a header.
        String id = Ulid.next();
        database.preparedQuery("""
                        WITH a AS (INSERT INTO artifacts (id, tenant_id, type, status, metadata, created_at, updated_at)
                                   VALUES ($1, $2, 'IMAGE', 'AVAILABLE', '{}'::jsonb, now(), now()))
                        INSERT INTO artifact_variants (tenant_id, artifact_id, name, status, provider, storage_key,
                                                       content_type, size, created_at, completed_at, upload_expires_at)
                        VALUES ($2, $1, 'original', 'AVAILABLE', 'local', $3, $4, 3, now(), now(), now())""")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(id, tenant, tenant + "/image/_/" + id + "/original",
                        "image/png\r\nX-Evil: yes"))
                .await().atMost(Duration.ofSeconds(10));
        Response answer = ApiClient.as(token).get("/api/v1/artifacts/{id}/download-url", id);
        assertThat(answer.statusCode()).isEqualTo(500);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        assertThat(answer.headers().hasHeaderWithName("X-Evil")).isFalse();
        ApiClient.as(token).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);
    }

    /** The valid request with one field's raw JSON replaced (or added). */
    @Test
    void aValidlySignedUrlWithAHeaderSplittingFieldIsRefusedNotHung() throws Exception {
        // Signed with the service's own key, as a URL issued before the input rules were strict could be.
        long expires = Instant.now().getEpochSecond() + 600;
        String contentType = "image/png\r\nX-Evil: yes";
        String signature = signer.sign(UrlSigner.canonical("GET", "local", availableKey, Long.toString(expires), "",
                contentType, "", ""));
        String url = ConfigProvider.getConfig().getValue("artifact-store.public-url", String.class) + "/storage/local/"
                + availableKey + "?expires=" + expires + "&contentType=" + URLEncoder.encode(contentType, StandardCharsets.UTF_8)
                + "&kid=" + signer.currentKeyId() + "&signature=" + signature;
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.headers().firstValue("X-Evil")).isEmpty();
    }

    private static String field(String name, String json) {
        Map<String, String> fields = new java.util.LinkedHashMap<>(Map.of("type", "\"image\"", "contentType", "\"image/png\"",
                "size", "3", "filename", "\"cat.png\"", "metadata", "{\"prompt\":\"a cat\"}"));
        fields.put(name, json);
        StringBuilder body = new StringBuilder("{");
        fields.forEach((key, value) -> body.append(body.length() > 1 ? "," : "").append('"').append(key).append("\":").append(value));
        return body.append('}').toString();
    }

    private static String nested(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    private static void assertProblem(Response answer, int status, String what) {
        assertThat(answer.statusCode()).as("status of %s: %s", what, answer.asString()).isEqualTo(status);
        assertThat(answer.contentType()).as("content type of %s", what).isEqualTo("application/problem+json");
        assertThat(answer.jsonPath().getInt("status")).isEqualTo(status);
    }

    private void assertNothingChanged(String after) {
        assertThat(rows()).as("database rows after %s", after).isEqualTo(rowsBefore);
        assertThat(files()).as("stored files after %s", after).isEqualTo(filesBefore);
    }

    private long rows() {
        return database.query("SELECT (SELECT count(*) FROM artifacts) + (SELECT count(*) FROM artifact_variants)")
                .execute().await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    private static List<Path> files() {
        Path root = Path.of(ConfigProvider.getConfig().getValue("artifact-store.providers.local.root", String.class));
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
