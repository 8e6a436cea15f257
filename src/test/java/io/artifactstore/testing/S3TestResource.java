package io.artifactstore.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

/** A real S3 server for every test, configured as the provider named {@code s3}. */
public class S3TestResource implements QuarkusTestResourceLifecycleManager {

    public static final String PROVIDER = "s3";
    public static final String BUCKET = "artifacts-test";

    private static S3ProxyServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = new S3ProxyServer(ArtifactStoreTestResource.freePort(), Files.createTempDirectory("artifact-store-s3"));
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String prefix = "artifact-store.providers." + PROVIDER + ".";
        return Map.of(
                prefix + "type", "s3",
                prefix + "bucket", BUCKET,
                prefix + "region", "us-east-1",
                prefix + "endpoint", server.endpoint(),
                prefix + "path-style", "true",
                prefix + "access-key-id", S3ProxyServer.ACCESS_KEY,
                prefix + "secret-access-key", S3ProxyServer.SECRET_KEY,
                prefix + "prefix", "store",
                prefix + "create-bucket", "true");
    }

    @Override
    public void stop() {
        server.stop();
    }

    public static S3ProxyServer server() {
        return server;
    }
}
