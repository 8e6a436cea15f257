package io.artifactstore.testing;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSourceLoader;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilderCustomizer;
import io.smallrye.config.SysPropConfigSource;

/**
 * Tests read their configuration from the classpath, the test resources, system properties and the
 * environment, never from files in the working directory: a developer's {@code config/application.properties}
 * (which the README's S3 walk-through writes) or {@code .env} would otherwise outrank the tests' own
 * settings (quarkusio/quarkus#28602). SmallRye's default sources are the same minus those two files
 * (same ordinals). Registered for the test classpath only, in META-INF/services.
 */
public class TestConfigSources implements SmallRyeConfigBuilderCustomizer {

    @Override
    public void configBuilder(SmallRyeConfigBuilder builder) {
        boolean system = builder.isAddDefaultSources() || builder.isAddSystemSources();
        boolean properties = builder.isAddDefaultSources() || builder.isAddPropertiesSources();
        builder.setAddDefaultSources(false).setAddSystemSources(false).setAddPropertiesSources(false);
        if (system) {
            builder.withSources(new SysPropConfigSource(), new EnvConfigSource(System.getenv(), 300));
        }
        if (properties) {
            ClassLoader classLoader = builder.getClassLoader();
            builder.withSources(PropertiesConfigSourceLoader.inClassPath("application.properties", 250, classLoader));
            builder.withSources(PropertiesConfigSourceLoader.inClassPath("META-INF/microprofile-config.properties", 100, classLoader));
        }
    }

    @Override
    public int priority() {
        return Integer.MAX_VALUE; // after every other customizer, so none adds the default sources back
    }
}
