package io.artifactstore.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.PackagedService;
import io.artifactstore.testing.S3ProxyServer;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.TempFolders;
import io.artifactstore.testing.Tokens;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real browser uploads through Uppy: headless Chromium (Debian's package) runs the page under
 * src/test/browser, served on its own loopback origin, against the packaged service (local provider)
 * and S3Proxy (videos are routed to it), each answering CORS for that origin. Small files go by one
 * presigned PUT, 30 MiB files by presigned multipart; every artifact must end AVAILABLE on its
 * provider with the very bytes the browser picked. Needs chromium, node and npm (`.ci/run` installs
 * them): without them the test is skipped, saying so; in CI (the variable CI set) it fails instead.
 */
class BrowserUploadIT {

    private static final Path PAGE_DIR = Path.of("src", "test", "browser").toAbsolutePath();
    private static final int MIB = 1024 * 1024;
    /** From this size the page uploads by multipart. */
    private static final int MULTIPART_FROM = 10 * MIB;

    private static ArtifactStoreTestResource resources;
    private static S3ProxyServer s3;
    private static Path workDir;
    private static PackagedService service;
    private static int pagePort;
    private static Path chromium;

    @BeforeAll
    static void startTheServiceAndS3() throws Exception {
        Optional<Path> browser = Stream.of(Optional.ofNullable(System.getenv("CHROMIUM")).orElse("/usr/bin/chromium"))
                .map(Path::of).filter(Files::isExecutable).findFirst();
        boolean node = onPath("node") && onPath("npm");
        if ((browser.isEmpty() || !node) && System.getenv("CI") == null) {
            assumeTrue(false, "chromium, node or npm is missing (apt-get install chromium nodejs npm); the browser upload is not tested here");
        }
        assertThat(browser).as("chromium at /usr/bin/chromium or $CHROMIUM (CI installs it)").isPresent();
        assertThat(node).as("node and npm on the PATH (CI installs them)").isTrue();
        chromium = browser.get();
        run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), Duration.ofMinutes(5), Path.of("target", "browser-upload-it-npm.log"));

        workDir = Files.createTempDirectory("artifact-store-browser");
        resources = new ArtifactStoreTestResource();
        Map<String, String> settings = new HashMap<>(resources.start());
        s3 = new S3ProxyServer(ArtifactStoreTestResource.freePort(), workDir);
        s3.start();
        settings.putAll(S3TestResource.settings(s3));
        pagePort = ArtifactStoreTestResource.freePort();
        service = new PackagedService("browser-upload-it", settings, Map.of(
                "artifact-store.signing.secret", UUID.randomUUID() + "-" + UUID.randomUUID(),
                "artifact-store.cors.origins", pageOrigin(),
                "artifact-store.content-checks.enabled", "false")).start(); // the page picks random bytes, no real images or videos
        service.awaitReady(Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (service != null) {
            service.stop(Duration.ofSeconds(20));
        }
        if (s3 != null) {
            s3.stop();
        }
        if (resources != null) {
            resources.stop();
        }
        TempFolders.delete(workDir);
    }

    @Test
    void smallFilesGoByOnePresignedPutToBothProviders() throws Exception {
        Map<Path, String> files = new LinkedHashMap<>();
        files.put(randomFile("notes.txt", 3 * 1024 + 7), "local");
        files.put(randomFile("clip.mp4", 700 * 1024 + 3), S3TestResource.PROVIDER);

        uploadInTheBrowserAndCheck(files, false);
    }

    @Test
    void largeFilesGoByPresignedMultipartToBothProviders() throws Exception {
        Map<Path, String> files = new LinkedHashMap<>();
        files.put(randomFile("weights.zip", 30 * MIB), "local");
        files.put(randomFile("film.mp4", 30 * MIB), S3TestResource.PROVIDER);

        uploadInTheBrowserAndCheck(files, true);
    }

    @Test
    void onlyTheListedOriginIsAnsweredInProd() {
        // Prod allows no origin by default; artifact-store.cors.origins listed the page's alone.
        RequestSpecification preflight = RestAssured.given().port(service.apiPort())
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization");
        assertThat(preflight.header("Origin", pageOrigin()).options("/api/v1/artifacts").header("Access-Control-Allow-Origin"))
                .isEqualTo(pageOrigin());
        var stranger = RestAssured.given().port(service.apiPort()).header("Origin", "http://localhost:" + pagePort)
                .header("Access-Control-Request-Method", "POST").options("/api/v1/artifacts");
        assertThat(stranger.statusCode()).isEqualTo(403);
        assertThat(stranger.header("Access-Control-Allow-Origin")).isNull();
    }

    /** Picks the files in the page, waits for Uppy, then checks each artifact through the API and its bytes. */
    private static void uploadInTheBrowserAndCheck(Map<Path, String> providerOfFile, boolean multipart) throws Exception {
        String token = Tokens.readerWriter("browser");
        JsonNode outcome = browserUploads(token, List.copyOf(providerOfFile.keySet()));
        assertThat(outcome.get("failed")).as("uploads the page saw fail").isEmpty();
        assertThat(outcome.get("successful")).hasSize(providerOfFile.size());

        for (JsonNode uploaded : outcome.get("successful")) {
            Path file = providerOfFile.keySet().stream().filter(path -> path.getFileName().toString().equals(uploaded.get("name").asText()))
                    .findFirst().orElseThrow();
            assertThat(uploaded.get("multipart").asBoolean()).as("%s went by multipart", file).isEqualTo(multipart);
            String id = uploaded.get("artifactId").asText();
            JsonPath artifact = api(token).get("/api/v1/artifacts/{id}", id).then().statusCode(200).extract().jsonPath();
            assertThat(artifact.getString("status")).as("%s", file).isEqualTo("AVAILABLE");
            assertThat(artifact.getString("variants[0].status")).isEqualTo("AVAILABLE");
            assertThat(artifact.getString("variants[0].provider")).as("provider of %s", file).isEqualTo(providerOfFile.get(file));
            assertThat(artifact.getLong("variants[0].size")).isEqualTo(Files.size(file));

            String url = api(token).get("/api/v1/artifacts/{id}/download-url", id).then().statusCode(200).extract().path("url");
            HttpResponse<byte[]> download = SignedUrlClient.get(url);
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(sha256(download.body())).as("the bytes of %s as stored", file).isEqualTo(sha256(Files.readAllBytes(file)));
            // The browser's preflights name the artifact in their paths: the access log still holds no id.
            assertThat(service.log()).doesNotContain(id);
        }
        assertThat(service.log()).doesNotContain(token);
    }

    /** Runs src/test/browser/run.mjs: Chromium on the page's origin, the files picked in its file input. */
    private static JsonNode browserUploads(String token, List<Path> files) throws Exception {
        Map<String, Object> config = Map.of("api", "http://localhost:" + service.apiPort(), "token", token, "pagePort", pagePort,
                "chromium", chromium.toString(), "files", files.stream().map(Path::toString).toList(),
                "multipartFrom", MULTIPART_FROM, "timeoutSeconds", 240);
        ProcessBuilder node = new ProcessBuilder("node", "run.mjs").directory(PAGE_DIR.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(Path.of("target", "browser-upload-it-node.log").toFile()));
        node.environment().put("BROWSER_TEST", new ObjectMapper().writeValueAsString(config));
        Process process = node.start();
        process.getOutputStream().close();
        byte[] stdout = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(300, TimeUnit.SECONDS)).as("the browser run ends").isTrue();
        String answer = new String(stdout).trim();
        assertThat(answer).as("the browser run's outcome (see target/browser-upload-it-node.log)").startsWith("{");
        return new ObjectMapper().readTree(answer);
    }

    private static Path randomFile(String name, int size) throws IOException {
        byte[] data = new byte[size];
        new Random(name.hashCode()).nextBytes(data);
        Path dir = Files.createDirectories(workDir.resolve(UUID.randomUUID().toString()));
        return Files.write(dir.resolve(name), data);
    }

    private static String pageOrigin() {
        return "http://127.0.0.1:" + pagePort;
    }

    private static RequestSpecification api(String token) {
        return RestAssured.given().port(service.apiPort()).auth().oauth2(token);
    }

    private static void run(List<String> command, Duration within, Path log) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(PAGE_DIR.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toAbsolutePath().toFile()).start();
        if (!process.waitFor(within.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        assertThat(process.exitValue()).as("%s (log: %s)", command, log).isZero();
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    private static String sha256(byte[] data) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
