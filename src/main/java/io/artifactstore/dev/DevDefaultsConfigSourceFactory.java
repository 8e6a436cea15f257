package io.artifactstore.dev;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded default of {@code ./mvnw quarkus:dev}: unless a database is configured, an embedded
 * PostgreSQL with its data under {@code ./data/postgres}, and a dev key pair under {@code ./data/dev}.
 * Active in the dev profile only; prod mode never reaches the embedded database.
 */
public class DevDefaultsConfigSourceFactory implements ConfigSourceFactory {

    /** Survives dev mode's hot reloads, which load this class anew: one database per JVM. */
    private static final String STARTED = "io.artifactstore.dev.embedded-database-port";

    private static final int ORDINAL = 200; // below application.properties (250): explicit settings win

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev")) {
            return List.of();
        }
        Path data = Path.of("data").toAbsolutePath();
        Map<String, String> settings = new HashMap<>();
        if (isUnset(context.getValue("quarkus.datasource.reactive.url"))) {
            settings.putAll(database(data.resolve("postgres")));
        }
        Path keys = data.resolve("dev");
        DevKeys.ensure(keys);
        settings.put("mp.jwt.verify.publickey.location", keys.resolve(DevKeys.PUBLIC_KEY).toUri().toString());
        settings.put("smallrye.jwt.sign.key.location", keys.resolve(DevKeys.PRIVATE_KEY).toUri().toString());
        return List.of(new PropertiesConfigSource(settings, "artifact-store dev defaults", ORDINAL));
    }

    private static synchronized Map<String, String> database(Path directory) {
        String port = System.getProperty(STARTED);
        if (port == null) {
            port = Integer.toString(EmbeddedDatabase.start(directory, true));
            System.setProperty(STARTED, port);
        }
        return EmbeddedDatabase.settings(Integer.parseInt(port));
    }

    private static boolean isUnset(ConfigValue value) {
        return value == null || value.getValue() == null || value.getValue().isBlank();
    }
}
