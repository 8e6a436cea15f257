package io.artifactstore.api;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * Opaque keyset cursors: the id of the last item of a page (an artifact, an audit event), so the next
 * page starts after it, signed for one listing of one tenant (README, "API reference": a cursor this
 * service did not issue is a 400). The key is derived from {@code artifact-store.signing.secret}; the
 * previous secrets still verify, so a rotation does not break the pages being read.
 */
@ApplicationScoped
public class Cursor {

    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAC_BYTES = 16;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    /** The current key first. */
    private final List<SecretKeySpec> keys = new ArrayList<>();

    @Inject
    public Cursor(ArtifactStoreConfig config) {
        this(config.signing().secret(), config.signing().previousSecrets().orElse(List.of()));
    }

    public Cursor(String secret, List<String> previousSecrets) {
        keys.add(derivedKey(secret));
        previousSecrets.forEach(previous -> keys.add(derivedKey(previous)));
    }

    /** A page of at most {@code limit} items, and the cursor after its last one when more follow (else null). */
    public record Page<T>(List<T> items, String nextCursor) {
    }

    /**
     * The page of {@code found}, which was read with a limit one above {@code limit}: the extra item
     * only says that another page follows.
     */
    public <T> Page<T> page(String listing, String tenant, List<T> found, int limit, Function<T, String> id) {
        if (found.size() <= limit) {
            return new Page<>(found, null);
        }
        List<T> page = found.subList(0, limit);
        return new Page<>(page, after(listing, tenant, id.apply(page.get(limit - 1))));
    }

    String after(String listing, String tenant, String lastId) {
        return ENCODER.encodeToString(lastId.getBytes(StandardCharsets.UTF_8)) + '.'
                + ENCODER.encodeToString(mac(keys.get(0), listing, tenant, lastId));
    }

    /** The id a cursor of {@code listing} issued to {@code tenant} names; null for none; else a 400 naming {@code cursor}. */
    public String lastId(String listing, String tenant, String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        int dot = cursor.indexOf('.');
        try {
            if (dot > 0) {
                String id = new String(Base64.getUrlDecoder().decode(cursor.substring(0, dot)), StandardCharsets.UTF_8);
                byte[] signature = Base64.getUrlDecoder().decode(cursor.substring(dot + 1));
                if (Ids.isValid(id) && signedByUs(signature, listing, tenant, id)) {
                    return id;
                }
            }
        } catch (IllegalArgumentException notBase64) {
            // a forged cursor: the same answer as any other
        }
        throw ServiceException.invalidField("cursor", "is not a cursor this service issued; pass nextCursor as it was given");
    }

    private boolean signedByUs(byte[] signature, String listing, String tenant, String id) {
        for (SecretKeySpec key : keys) {
            if (MessageDigest.isEqual(signature, mac(key, listing, tenant, id))) {
                return true;
            }
        }
        return false;
    }

    /** Length-prefixed fields, so no value can move text into its neighbour. */
    private static byte[] mac(SecretKeySpec key, String listing, String tenant, String id) {
        StringBuilder signed = new StringBuilder();
        for (String field : new String[]{listing, tenant, id}) {
            signed.append(field.length()).append(':').append(field).append('\n');
        }
        return Arrays.copyOf(hmac(key, signed.toString().getBytes(StandardCharsets.UTF_8)), MAC_BYTES);
    }

    /** A key of its own for cursors: a cursor's MAC is never a valid URL signature, nor the other way round. */
    private static SecretKeySpec derivedKey(String secret) {
        SecretKeySpec master = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        return new SecretKeySpec(hmac(master, "artifact-store cursor v1".getBytes(StandardCharsets.US_ASCII)), ALGORITHM);
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
