package io.artifactstore.provider.s3;

import io.artifactstore.provider.ProviderSetting;
import io.artifactstore.provider.ProviderSetting.Kind;
import io.quarkus.runtime.configuration.MemorySizeConverter;

import java.net.URI;
import java.util.List;
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
                  long verifyMaxSize, int maxConnections, boolean conditionalWrites,
                  long maxSinglePutSize, boolean checksumHeaders) {

    /** What {@code type: s3} providers accept; the registry checks kinds and fills in defaults. */
    static final List<ProviderSetting> DECLARED = List.of(
            ProviderSetting.required("bucket", Kind.TEXT),
            ProviderSetting.optional("region", Kind.TEXT, "us-east-1"),
            ProviderSetting.optional("endpoint", Kind.URL, null),
            ProviderSetting.optional("public-endpoint", Kind.URL, null),
            ProviderSetting.optional("path-style", Kind.BOOLEAN, "false"),
            ProviderSetting.optional("access-key-id", Kind.TEXT, null),
            ProviderSetting.optional("secret-access-key", Kind.TEXT, null),
            ProviderSetting.optional("prefix", Kind.TEXT, ""),
            ProviderSetting.optional("public-url", Kind.URL, null),
            ProviderSetting.optional("server-side-encryption", Kind.TEXT, null),
            ProviderSetting.optional("kms-key-id", Kind.TEXT, null),
            ProviderSetting.optional("create-bucket", Kind.BOOLEAN, "false"),
            ProviderSetting.optional("response-overrides", Kind.BOOLEAN, "true"),
            ProviderSetting.optional("verify-max-size", Kind.SIZE, "5G"),
            ProviderSetting.optional("max-connections", Kind.WHOLE_NUMBER, "200"),
            ProviderSetting.optional("conditional-writes", Kind.BOOLEAN, "true"),
            // AWS S3 refuses a single PUT above 5 GiB; larger objects go up in parts.
            ProviderSetting.optional("max-single-put-size", Kind.SIZE, "5G"),
            // Sign a declared sha256 into single PUTs, so the store itself refuses other bytes.
            ProviderSetting.optional("checksum-headers", Kind.BOOLEAN, "true"));

    /** The settings of one provider, as the registry hands them over: checked against {@link #DECLARED}, defaults filled. */
    static S3Settings from(Map<String, String> settings) {
        Optional<String> keyId = optional(settings, "access-key-id");
        Optional<String> secret = optional(settings, "secret-access-key");
        if (keyId.isPresent() != secret.isPresent()) {
            throw new IllegalArgumentException("access-key-id and secret-access-key go together; "
                    + "leave both out to use the AWS default credentials chain");
        }
        String prefix = settings.get("prefix");
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        return new S3Settings(settings.get("bucket"), settings.get("region"),
                optional(settings, "endpoint").map(URI::create),
                optional(settings, "public-endpoint").map(URI::create),
                bool(settings, "path-style"), keyId, secret, prefix,
                optional(settings, "public-url").map(url -> url.endsWith("/") ? url : url + "/"),
                optional(settings, "server-side-encryption"), optional(settings, "kms-key-id"),
                bool(settings, "create-bucket"), bool(settings, "response-overrides"),
                new MemorySizeConverter().convert(settings.get("verify-max-size")).asLongValue(),
                Integer.parseInt(settings.get("max-connections")), bool(settings, "conditional-writes"),
                new MemorySizeConverter().convert(settings.get("max-single-put-size")).asLongValue(),
                bool(settings, "checksum-headers"));
    }

    /** The address signed URLs name: clients must reach it, and the host is part of the signature. */
    Optional<URI> presignEndpoint() {
        return publicEndpoint.or(() -> endpoint);
    }

    private static boolean bool(Map<String, String> settings, String key) {
        return Boolean.parseBoolean(settings.get(key));
    }

    private static Optional<String> optional(Map<String, String> settings, String key) {
        return Optional.ofNullable(settings.get(key)).map(String::strip).filter(v -> !v.isEmpty());
    }
}
