package io.artifactstore.provider.s3;

import io.quarkus.runtime.configuration.MemorySizeConverter;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of one {@code type: s3} provider, from {@code artifact-store.providers.<name>.*}.
 * Only {@code bucket} is required; the rest fit AWS S3 by default.
 */
record S3Settings(String bucket, String region, Optional<URI> endpoint, Optional<URI> publicEndpoint,
                  boolean pathStyle, Optional<String> accessKeyId, Optional<String> secretAccessKey,
                  String prefix, Optional<String> publicUrl, Optional<String> serverSideEncryption,
                  Optional<String> kmsKeyId, boolean createBucket, boolean responseOverrides,
                  long verifyMaxSize, int maxConnections, boolean conditionalWrites) {

    static S3Settings from(Map<String, String> settings) {
        String bucket = settings.get("bucket");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("bucket is required");
        }
        Optional<String> keyId = optional(settings, "access-key-id");
        Optional<String> secret = optional(settings, "secret-access-key");
        if (keyId.isPresent() != secret.isPresent()) {
            throw new IllegalArgumentException("access-key-id and secret-access-key go together; "
                    + "leave both out to use the AWS default credentials chain");
        }
        String prefix = settings.getOrDefault("prefix", "").strip();
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        return new S3Settings(bucket, settings.getOrDefault("region", "us-east-1"),
                optional(settings, "endpoint").map(v -> uri("endpoint", v)),
                optional(settings, "public-endpoint").map(v -> uri("public-endpoint", v)),
                bool(settings, "path-style", false), keyId, secret, prefix,
                optional(settings, "public-url").map(url -> url.endsWith("/") ? url : url + "/"),
                optional(settings, "server-side-encryption"), optional(settings, "kms-key-id"),
                bool(settings, "create-bucket", false), bool(settings, "response-overrides", true),
                size(settings, "verify-max-size", "5G"), integer(settings, "max-connections", 200),
                bool(settings, "conditional-writes", true));
    }

    /** The address signed URLs name: clients must reach it, and the host is part of the signature. */
    Optional<URI> presignEndpoint() {
        return publicEndpoint.or(() -> endpoint);
    }

    private static Optional<String> optional(Map<String, String> settings, String key) {
        return Optional.ofNullable(settings.get(key)).map(String::strip).filter(v -> !v.isEmpty());
    }

    private static boolean bool(Map<String, String> settings, String key, boolean defaultValue) {
        String value = settings.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(key + " must be true or false");
        }
        return Boolean.parseBoolean(value);
    }

    private static int integer(Map<String, String> settings, String key, int defaultValue) {
        try {
            return Integer.parseInt(settings.getOrDefault(key, Integer.toString(defaultValue)).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number");
        }
    }

    private static long size(Map<String, String> settings, String key, String defaultValue) {
        try {
            return new MemorySizeConverter().convert(settings.getOrDefault(key, defaultValue).strip()).asLongValue();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " must be a size such as 512M or 5G");
        }
    }

    private static URI uri(String key, String value) {
        try {
            URI uri = URI.create(value);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be an absolute URL such as https://s3.example.com");
        }
    }
}
