package io.artifactstore.records;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Duration;
import java.time.Instant;

/**
 * A multipart upload of one version of a variant ({@code storageKey}); usable only while the variant
 * is still PENDING on that version, or AVAILABLE with it as its pending replacement (see
 * {@code V4__multipart.sql}). {@code id} is ours and is what clients see; the store's own upload id stays inside.
 */
@Entity
@Table(name = "multipart_uploads")
public class MultipartUpload {

    /**
     * How long a client's upload stays "starting" at most: its row is written before the store starts
     * the upload and expires this long after, far beyond a start the provider's guard bounds (its
     * timeout, retries and queue); a start that took longer is refused, and the reaper takes the row
     * for a crash (README "Large uploads: multipart").
     */
    public static final Duration START_WINDOW = Duration.ofMinutes(5);

    @Id
    public String id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(name = "artifact_id", nullable = false)
    public String artifactId;

    @Column(nullable = false)
    public String variant;

    @Column(nullable = false)
    public String provider;

    @Column(name = "storage_key", nullable = false)
    public String storageKey;

    /**
     * Null while a client's upload is starting (the row is written before the store starts it) and
     * for a write the service streams itself (the store's id is never recorded).
     */
    @Column(name = "provider_upload_id")
    public String providerUploadId;

    /** A write the service streams to the store itself, recorded before it started (V11): no client uses it. */
    @Column(nullable = false)
    public boolean streamed;

    @Column(nullable = false)
    public long size;

    @Column(name = "part_size", nullable = false)
    public long partSize;

    @Column(name = "part_count", nullable = false)
    public int partCount;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    public io.artifactstore.core.StorageKey key() {
        return io.artifactstore.core.StorageKey.parse(storageKey);
    }

    /**
     * Whether this upload may still write the variant: the variant is pending on the version it was
     * started for, or available with that version as its pending replacement.
     */
    public boolean usableFor(Variant current) {
        return started() && writes(current);
    }

    /** Whether this row's key is the version the variant awaits: pending on it, or available with it as its replacement. */
    public boolean writes(Variant current) {
        if (current == null) {
            return false;
        }
        return current.status == Status.PENDING ? current.storageKey.equals(storageKey)
                : current.status == Status.AVAILABLE && storageKey.equals(current.replacementKey);
    }

    /**
     * Whether the variant's verified version is the one this upload wrote: its complete got through,
     * and a retry of it answers the variant as it is (README "Large uploads: multipart").
     */
    public boolean completedFor(Variant current) {
        return current != null && started() && current.status == Status.AVAILABLE && storageKey.equals(current.storageKey);
    }

    /** A client's upload the store started and whose id is recorded: the only kind a client can use. */
    public boolean started() {
        return !streamed && providerUploadId != null;
    }

    /**
     * A client's upload recorded before the store started it, whose id is not recorded (yet): the
     * start is in flight, or a crash or a failed abort cut it short (V12).
     */
    public boolean starting() {
        return !streamed && providerUploadId == null;
    }

    /** Whether a start may still be in flight for this row at {@code now}: it is starting, and younger than the window. */
    public boolean mayStillStart(Instant now) {
        return starting() && createdAt.plus(START_WINDOW).isAfter(now);
    }

    /** The size of part {@code n}: the part size, but the last part holds what is left. */
    public long sizeOfPart(int n) {
        return n < partCount ? partSize : size - (long) (partCount - 1) * partSize;
    }
}
