package io.artifactstore.api;

import io.artifactstore.testing.RawHttp;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Browsers on another origin, through Quarkus' own CORS filter (tests allow localhost origins, as dev
 * mode does): preflights are answered before authentication and URL signatures are checked, on the API
 * and on the local provider's signed URLs alike; a PUT exposes its ETag to the page; errors carry the
 * CORS headers so a page can read the problem; an origin not allowed is told nothing.
 */
@QuarkusTest
class CorsTest {

    private static final String PAGE = "http://localhost:5173";
    private static final String STRANGER = "https://evil.example";

    @Test
    void aPreflightOnTheApiIsAnsweredWithoutAToken() {
        Response preflight = preflight(PAGE, "/api/v1/artifacts", "POST", "authorization,content-type,idempotency-key");

        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST", "PUT", "DELETE");
        assertThat(preflight.header("Access-Control-Allow-Headers").toLowerCase())
                .contains("authorization", "content-type", "idempotency-key");
        assertThat(preflight.header("Access-Control-Max-Age")).isEqualTo("3600");
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isEqualTo("false");
    }

    @Test
    void aPreflightOnASignedUrlIsAnsweredBeforeItsSignatureIsChecked() {
        JsonPath created = createText("preflight", 5);

        Response preflight = preflight(PAGE, path(created.getString("upload.url")), "PUT", "content-type");

        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("PUT");
        assertThat(preflight.header("Access-Control-Allow-Headers").toLowerCase()).contains("content-type");
        // Every header a ticket tells the client to send is one the page may send.
        List<String> allowed = List.of(preflight.header("Access-Control-Allow-Headers").toLowerCase().split(","));
        assertThat(created.getMap("upload.headers", String.class, String.class).keySet())
                .allSatisfy(header -> assertThat(allowed).contains(header.toLowerCase()));
        // No signature at all: the preflight still passes, the real request would not.
        Response unsigned = preflight(PAGE, "/storage/local/whatever/key", "PUT", "content-type");
        assertThat(unsigned.statusCode()).isEqualTo(200);
        assertThat(unsigned.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
    }

    @Test
    void aSignedPutFromAPageExposesItsETag() {
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        JsonPath created = createText("put", data.length);

        HttpResponse<byte[]> put = SignedUrlClient.put(created.getString("upload.url"),
                Map.of("Content-Type", "text/plain", "Origin", PAGE), data);

        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.headers().firstValue("ETag")).isPresent();
        assertThat(put.headers().firstValue("Access-Control-Allow-Origin")).hasValue(PAGE);
        assertThat(put.headers().firstValue("Access-Control-Expose-Headers").orElse("")).contains("ETag");
    }

    @Test
    void aDownloadFromAPageExposesItsHeaders() {
        byte[] data = "downloaded".getBytes(StandardCharsets.UTF_8);
        JsonPath created = createText("download", data.length);
        assertThat(SignedUrlClient.put(created.getString("upload.url"), Map.of("Content-Type", "text/plain"), data).statusCode())
                .isEqualTo(200);
        String token = Tokens.readerWriter("cors");
        String id = created.getString("artifact.id");
        given().auth().oauth2(token).contentType(ContentType.JSON).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        String url = given().auth().oauth2(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200)
                .extract().path("url");

        HttpResponse<byte[]> get = SignedUrlClient.get(url, Map.of("Origin", PAGE, "Range", "bytes=0-3"));

        assertThat(get.statusCode()).isEqualTo(206);
        assertThat(new String(get.body(), StandardCharsets.UTF_8)).isEqualTo("down");
        assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).hasValue(PAGE);
        assertThat(get.headers().firstValue("Access-Control-Expose-Headers").orElse("")).contains("ETag", "Content-Range");
    }

    @Test
    void anOriginNotAllowedIsToldNothing() {
        Response preflight = preflight(STRANGER, "/api/v1/artifacts", "POST", "authorization,content-type");
        assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();
        assertThat(preflight.statusCode()).isEqualTo(403);

        Response call = given().header("Origin", STRANGER).auth().oauth2(Tokens.readerWriter("cors"))
                .get("/api/v1/artifacts");
        assertThat(call.header("Access-Control-Allow-Origin")).isNull();
        assertThat(call.statusCode()).isEqualTo(403);
        assertThat(call.body().asString()).doesNotContain("\"items\"");

        JsonPath created = createText("stranger", 5);
        Response storagePreflight = preflight(STRANGER, path(created.getString("upload.url")), "PUT", "content-type");
        assertThat(storagePreflight.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void errorsCarryTheCorsHeadersSoThePageCanReadThem() {
        Response unauthenticated = given().header("Origin", PAGE).get("/api/v1/artifacts");
        assertThat(unauthenticated.statusCode()).isEqualTo(401);
        assertCorsProblem(unauthenticated);

        Response forbidden = given().header("Origin", PAGE).auth().oauth2(Tokens.of("cors", "artifacts.read"))
                .contentType(ContentType.JSON).body(textRequest(5)).post("/api/v1/artifacts");
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertCorsProblem(forbidden);

        JsonPath created = createText("tampered", 5);
        String tampered = created.getString("upload.url").replaceFirst("([?&])size=5(&|$)", "$1size=6$2");
        assertThat(tampered).isNotEqualTo(created.getString("upload.url"));
        HttpResponse<byte[]> put = SignedUrlClient.put(tampered, Map.of("Content-Type", "text/plain", "Origin", PAGE), new byte[6]);
        assertThat(put.statusCode()).isEqualTo(403);
        assertThat(put.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(put.headers().firstValue("Access-Control-Allow-Origin")).hasValue(PAGE);
    }

    @Test
    void aRefusalBeforeAnyResourceCarriesTheCorsHeadersToo() {
        // A body announced above the API's 1 MiB is refused by a route of its own, before any resource; none is sent.
        try (RawHttp connection = RawHttp.open(ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class))) {
            RawHttp.Response tooLarge = connection.send("POST /api/v1/artifacts HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + PAGE
                    + "\r\nAuthorization: Bearer " + Tokens.readerWriter("cors")
                    + "\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n").read(Duration.ofSeconds(10));
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.header("Content-Type")).startsWith("application/problem+json");
            assertThat(tooLarge.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
        }
    }

    private static void assertCorsProblem(Response response) {
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo(PAGE);
        assertThat(response.header("Access-Control-Expose-Headers")).contains("WWW-Authenticate");
    }

    private static Response preflight(String origin, String path, String method, String headers) {
        return given().header("Origin", origin).header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", headers).options(path);
    }

    private static JsonPath createText(String name, int size) {
        Map<String, Object> body = textRequest(size);
        body.put("filename", name + ".txt");
        return given().auth().oauth2(Tokens.readerWriter("cors")).contentType(ContentType.JSON).body(body)
                .post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
    }

    private static Map<String, Object> textRequest(int size) {
        return new HashMap<>(Map.of("type", "text", "boardId", "cors", "contentType", "text/plain", "size", size));
    }

    /** The path and query of a signed URL, for REST Assured's base URI and port. */
    private static String path(String url) {
        java.net.URI uri = java.net.URI.create(url);
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }
}
