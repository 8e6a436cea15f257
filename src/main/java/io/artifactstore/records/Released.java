package io.artifactstore.records;

import io.artifactstore.core.StorageKey;

import java.time.Duration;
import java.time.Instant;

/**
 * A version of a variant whose record let go of it, and when its bytes may go ({@link #sweepAt}).
 * Its tombstone is written in the transaction that lets go of it (README "Immutable bytes,
 * race-free records").
 */
public record Released(String tenantId, String artifactId, String variant, String provider, String storageKey, Instant sweepAt) {

    /**
     * The one rule for when released bytes may go: once no URL handed out for them can write there any
     * more, that is when the ticket stopped writing ({@code writableUntil}) plus the grace a PUT that
     * started in time may take to finish; never before {@code now}.
     */
    public static Instant sweepAt(Instant writableUntil, Instant now, Duration grace) {
        Instant lastWrite = writableUntil.plus(grace);
        return lastWrite.isAfter(now) ? lastWrite : now;
    }

    /** The version {@code variant} names now, released at {@code now}. */
    public static Released of(Variant variant, Instant now, Duration grace) {
        return new Released(variant.tenantId, variant.artifactId, variant.name, variant.provider, variant.storageKey,
                sweepAt(variant.uploadExpiresAt, now, grace));
    }

    public StorageKey key() {
        return StorageKey.parse(storageKey);
    }
}
