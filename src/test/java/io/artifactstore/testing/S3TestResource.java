package io.artifactstore.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A real S3 server for every test, configured as the provider named {@code s3}. */
public class S3TestResource implements QuarkusTestResourceLifecycleManager {

    public static final String PROVIDER = "s3";
    public static final String BUCKET = "artifacts-test";

    private static S3ProxyServer server;
    private Path workDir;

    @Override
    public Map<String, String> start() {
        try {
            workDir = Files.createTempDirectory("artifact-store-s3");
            server = new S3ProxyServer(ArtifactStoreTestResource.freePort(), workDir);
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return settings(server);
    }

    /** The service's settings for {@code server} as provider {@code s3}, with videos routed to it. */
    public static Map<String, String> settings(S3ProxyServer server) {
        String prefix = "artifact-store.providers." + PROVIDER + ".";
        return Map.ofEntries(
                Map.entry(prefix + "type", "s3"),
                Map.entry(prefix + "bucket", BUCKET),
                Map.entry(prefix + "region", "us-east-1"),
                Map.entry(prefix + "endpoint", server.endpoint()),
                Map.entry(prefix + "path-style", "true"),
                Map.entry(prefix + "access-key-id", S3ProxyServer.ACCESS_KEY),
                Map.entry(prefix + "secret-access-key", S3ProxyServer.SECRET_KEY),
                Map.entry(prefix + "prefix", "store"),
                Map.entry(prefix + "create-bucket", "true"),
                // Small, so a test can ask for a single PUT above it (AWS S3's own limit is 5 GiB).
                Map.entry(prefix + "max-single-put-size", "20M"),
                Map.entry("artifact-store.routing.rules[0].name", "videos-to-s3"),
                Map.entry("artifact-store.routing.rules[0].when.types", "video"),
                Map.entry("artifact-store.routing.rules[0].provider", PROVIDER),
                Map.entry("artifact-store.routing.rules[0].fallbacks", "local"));
    }

    @Override
    public void stop() {
        server.stop();
        TempFolders.delete(workDir);
    }

    public static S3ProxyServer server() {
        return server;
    }
}
