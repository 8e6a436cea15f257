package io.artifactstore.dev;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real PostgreSQL, unpacked from Maven Central and started by the JVM itself, for dev mode and
 * tests only. The prod build removes this class's library; nothing in prod mode calls it.
 */
public final class EmbeddedDatabase {

    private EmbeddedDatabase() {
    }

    /**
     * Starts PostgreSQL on a free port with its data in {@code dataDirectory} (kept between runs when
     * {@code keepData}) and returns its port (see {@link #settings}). It stops with the JVM.
     */
    public static int start(Path dataDirectory, boolean keepData) {
        return open(dataDirectory, keepData).getPort();
    }

    /** Starts PostgreSQL as {@link #start} does and hands back the server, for a caller that stops it itself. */
    public static EmbeddedPostgres open(Path dataDirectory, boolean keepData) {
        try {
            return EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(!keepData)
                    .setServerConfig("max_connections", "200")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dataDirectory, e);
        }
    }

    /** The datasource settings of an embedded PostgreSQL listening on {@code port}. */
    public static Map<String, String> settings(int port) {
        return Map.of(
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres",
                "quarkus.datasource.reactive.url", "postgresql://localhost:" + port + "/postgres",
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + port + "/postgres");
    }
}
