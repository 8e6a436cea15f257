package io.artifactstore.provider;

import io.quarkus.runtime.configuration.MemorySizeConverter;

import java.net.URI;
import java.util.Optional;

/**
 * One setting a provider type accepts under {@code artifact-store.providers.<name>.}: its name, the
 * kind of value it takes, and its default or that it is required. Factories declare theirs, so a
 * misspelt key or a value of the wrong kind stops start-up instead of being ignored.
 */
public record ProviderSetting(String name, Kind kind, String defaultValue, boolean required) {

    public enum Kind { TEXT, BOOLEAN, WHOLE_NUMBER, SIZE, URL }

    public static ProviderSetting required(String name, Kind kind) {
        return new ProviderSetting(name, kind, null, true);
    }

    /** A setting that may be left out; {@code defaultValue} null means "absent". */
    public static ProviderSetting optional(String name, Kind kind, String defaultValue) {
        return new ProviderSetting(name, kind, defaultValue, false);
    }

    /** Why {@code value} does not fit this setting, if it does not. */
    Optional<String> problemWith(String value) {
        String v = value.strip();
        return switch (kind) {
            case TEXT -> v.isEmpty() && required ? Optional.of("must not be empty") : Optional.empty();
            case BOOLEAN -> v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false") ? Optional.empty()
                    : Optional.of("must be true or false");
            case WHOLE_NUMBER -> v.matches("[1-9][0-9]{0,8}") ? Optional.empty() : Optional.of("must be a whole number above 0");
            case SIZE -> isSize(v) ? Optional.empty() : Optional.of("must be a size such as 512M or 5G");
            case URL -> isAbsoluteUrl(v) ? Optional.empty() : Optional.of("must be an absolute URL such as https://s3.example.com");
        };
    }

    private static boolean isSize(String value) {
        try {
            return new MemorySizeConverter().convert(value).asLongValue() >= 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean isAbsoluteUrl(String value) {
        try {
            URI uri = URI.create(value);
            return uri.getScheme() != null && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
