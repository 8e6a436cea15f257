package io.artifactstore.core;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of byte streams, computed as they flow. */
public final class Checksums {

    private Checksums() {
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The lowercase hex sha256 of everything the stream emits. */
    public static Uni<String> sha256Hex(Multi<ByteBuffer> bytes) {
        MessageDigest digest = sha256();
        return bytes.onItem().invoke(digest::update).collect().last()
                .map(ignored -> HexFormat.of().formatHex(digest.digest()));
    }
}
