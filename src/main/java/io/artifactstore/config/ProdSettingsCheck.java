package io.artifactstore.config;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.ExecutionMode;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stops prod mode before anything starts when a required setting is missing, naming every one of
 * them with its environment variable: prod mode has no embedded database and no dev key.
 */
public class ProdSettingsCheck implements ConfigSourceFactory {

    private static final Map<String, String> REQUIRED = new LinkedHashMap<>();

    static {
        REQUIRED.put("quarkus.datasource.reactive.url", "QUARKUS_DATASOURCE_REACTIVE_URL");
        REQUIRED.put("quarkus.datasource.username", "QUARKUS_DATASOURCE_USERNAME");
        REQUIRED.put("mp.jwt.verify.issuer", "MP_JWT_VERIFY_ISSUER");
        REQUIRED.put("artifact-store.signing.secret", "ARTIFACT_STORE_SIGNING_SECRET");
    }

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        // Only when the application starts, not while the prod build reads its configuration.
        if (!context.getProfiles().contains("prod") || ExecutionMode.current() != ExecutionMode.RUNTIME_INIT) {
            return List.of();
        }
        List<String> missing = new ArrayList<>();
        REQUIRED.forEach((property, variable) -> {
            if (isUnset(context, property)) {
                missing.add(variable + " (" + property + ")");
            }
        });
        if (isUnset(context, "mp.jwt.verify.publickey.location") && isUnset(context, "mp.jwt.verify.publickey")) {
            missing.add("MP_JWT_VERIFY_PUBLICKEY_LOCATION (mp.jwt.verify.publickey.location, a PEM or JWKS file or URL)");
        }
        if (!missing.isEmpty()) {
            throw new ConfigurationException("artifact-store cannot start in prod mode; set " + String.join(", ", missing)
                    + ". See README, Configuration.");
        }
        return List.of();
    }

    private static boolean isUnset(ConfigSourceContext context, String property) {
        try {
            ConfigValue value = context.getValue(property);
            return value == null || value.getValue() == null || value.getValue().isBlank();
        } catch (RuntimeException e) {
            return true; // an expression over a variable that is not set
        }
    }
}
