package io.artifactstore.testing;

import io.artifactstore.dev.EmbeddedDatabase;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A PostgreSQL of its own that a test can really stop and start again, on the same port and data
 * directory, to see what the service does while its database is down. Started after the shared
 * resources, so its datasource settings are the ones the application gets.
 */
public class StoppableDatabaseResource implements QuarkusTestResourceLifecycleManager {

    private static Path dataDirectory;
    private static int port;
    private static EmbeddedPostgres postgres;

    @Override
    public Map<String, String> start() {
        try {
            dataDirectory = Files.createTempDirectory("artifact-store-stoppable-pg");
            port = ArtifactStoreTestResource.freePort();
            postgres = builder().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return EmbeddedDatabase.settings(port);
    }

    @Override
    public int order() {
        return Integer.MAX_VALUE; // last, so these datasource settings win over the shared resource's
    }

    @Override
    public void stop() {
        stopDatabase();
    }

    public static int port() {
        return port;
    }

    /** Stops PostgreSQL: connections drop, new ones are refused. */
    public static synchronized void stopDatabase() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                postgres = null;
            }
        }
    }

    /** Starts it again with the same data on the same port. */
    public static synchronized void startDatabase() {
        if (postgres == null) {
            try {
                postgres = builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static EmbeddedPostgres.Builder builder() {
        // Never cleaned: close() would delete the data, and the directory is a fresh temp one anyway.
        return EmbeddedPostgres.builder().setDataDirectory(dataDirectory).setCleanDataDirectory(false)
                .setPort(port).setServerConfig("max_connections", "50");
    }
}
