package io.artifactstore.security;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.artifactstore.config.ArtifactStoreConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HMAC-SHA256 signatures of the URLs the service serves itself. The current secret signs; it and the
 * previous secrets verify, each known by a short key id derived from it, so rotating the secret does
 * not break URLs already handed out.
 */
@Startup // a secret that is too short stops start-up, not the first ticket
@ApplicationScoped
public class UrlSigner {

    static final int MIN_SECRET_LENGTH = 32;
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final String currentKeyId;
    private final Map<String, ThreadLocal<Mac>> macsByKeyId = new LinkedHashMap<>();

    @Inject
    public UrlSigner(ArtifactStoreConfig config) {
        this(config.signing().secret(), config.signing().previousSecrets().orElse(List.of()));
    }

    public UrlSigner(String secret, List<String> previousSecrets) {
        List<String> secrets = new ArrayList<>();
        secrets.add(secret);
        secrets.addAll(previousSecrets);
        for (int i = 0; i < secrets.size(); i++) {
            String s = secrets.get(i);
            if (s == null || s.length() < MIN_SECRET_LENGTH) {
                // Names the setting (never the value): the operator sees which one to fix.
                throw new ConfigurationException((i == 0 ? "artifact-store.signing.secret" : "artifact-store.signing.previous-secrets[" + (i - 1) + "]")
                        + " must be at least " + MIN_SECRET_LENGTH + " characters long");
            }
            byte[] keyBytes = s.getBytes(StandardCharsets.UTF_8);
            macsByKeyId.putIfAbsent(keyId(keyBytes), ThreadLocal.withInitial(() -> newMac(keyBytes)));
        }
        this.currentKeyId = keyId(secret.getBytes(StandardCharsets.UTF_8));
    }

    public String currentKeyId() {
        return currentKeyId;
    }

    /** The signature of the canonical string under the current key. */
    public String sign(String canonical) {
        return sign(macsByKeyId.get(currentKeyId).get(), canonical);
    }

    /** Whether {@code signature} is valid for {@code canonical} under key {@code keyId}; constant time. */
    public boolean verify(String keyId, String canonical, String signature) {
        ThreadLocal<Mac> mac = keyId == null ? null : macsByKeyId.get(keyId);
        if (mac == null || signature == null) {
            return false;
        }
        byte[] expected = sign(mac.get(), canonical).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The signed fields, each prefixed with its length: no value, whatever it holds, can move text from
     * one field to its neighbour, so the same canonical string never stands for two sets of fields.
     * (URLs signed by the earlier newline-joined form no longer verify.)
     */
    public static String canonical(String... fields) {
        StringBuilder canonical = new StringBuilder(16 + 8 * fields.length);
        for (String field : fields) {
            canonical.append(field.length()).append(':').append(field).append('\n');
        }
        return canonical.toString();
    }

    private static String sign(Mac mac, String canonical) {
        return BASE64URL.encodeToString(mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8)));
    }

    private static String keyId(byte[] secret) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(secret);
            return BASE64URL.encodeToString(digest).substring(0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Mac newMac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
