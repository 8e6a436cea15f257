package io.artifactstore.testing;

import io.artifactstore.dev.DevKeys;
import io.artifactstore.dev.EmbeddedDatabase;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The real components every test runs against: an embedded PostgreSQL in a fresh temp directory, a
 * key pair that signs and verifies the tests' tokens, and a temp root for the local provider.
 */
public class ArtifactStoreTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String ISSUER = "artifact-store-test";
    /** A provider of the tests' plug-in type without server-side copy (LocalWithoutCopyFactory). */
    public static final String PLAIN_PROVIDER = "plain";

    private static Path workDir;
    private EmbeddedPostgres database;

    @Override
    public Map<String, String> start() {
        try {
            workDir = Files.createTempDirectory("artifact-store-test");
            DevKeys.ensure(workDir.resolve("keys"));
            int port = freePort();
            database = EmbeddedDatabase.open(workDir.resolve("postgres"), false);
            Map<String, String> config = new HashMap<>(EmbeddedDatabase.settings(database.getPort()));
            config.put("quarkus.http.test-port", Integer.toString(port));
            // Health and metrics are on the management port; a free one, so parallel builds never collide.
            String managementPort = Integer.toString(freePort());
            config.put("quarkus.management.test-port", managementPort);
            config.put("quarkus.management.port", managementPort);
            config.put("artifact-store.public-url", "http://localhost:" + port);
            config.put("artifact-store.providers.local.root", workDir.resolve("artifacts").toString());
            config.put("artifact-store.providers." + PLAIN_PROVIDER + ".type", "local-without-copy");
            config.put("artifact-store.providers." + PLAIN_PROVIDER + ".root", workDir.resolve("plain").toString());
            config.put("mp.jwt.verify.publickey.location", keyFile(DevKeys.PUBLIC_KEY).toUri().toString());
            config.put("smallrye.jwt.sign.key.location", keyFile(DevKeys.PRIVATE_KEY).toUri().toString());
            config.put("mp.jwt.verify.issuer", ISSUER);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        try {
            database.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TempFolders.delete(workDir);
    }

    static Path keyFile(String name) {
        return workDir.resolve("keys").resolve(name);
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
