package io.artifactstore.records;

import io.artifactstore.core.StorageKey;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** One stored object of an artifact, on one provider. */
@Entity
@Table(name = "artifact_variants")
@IdClass(Variant.Key.class)
public class Variant {

    @Id
    @Column(name = "tenant_id")
    public String tenantId;

    @Id
    @Column(name = "artifact_id")
    public String artifactId;

    @Id
    public String name;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    @Column(nullable = false)
    public String provider;

    /** The key of the version the latest upload ticket writes (see {@link StorageKey}). */
    @Column(name = "storage_key", nullable = false)
    public String storageKey;

    @Column(name = "content_type", nullable = false)
    public String contentType;

    @Column(nullable = false)
    public long size;

    @Column(length = 64)
    public String sha256;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "completed_at")
    public Instant completedAt;

    /** When the latest upload ticket stops being usable; its version may be written until then. */
    @Column(name = "upload_expires_at", nullable = false)
    public Instant uploadExpiresAt;

    /*
     * A replacement awaiting its bytes (all null when none): the ticket of an AVAILABLE variant
     * created with "replace": true. The fields above keep naming the verified version until it is
     * verified, then they take these values.
     */
    @Column(name = "replacement_provider")
    public String replacementProvider;

    @Column(name = "replacement_key")
    public String replacementKey;

    @Column(name = "replacement_content_type")
    public String replacementContentType;

    @Column(name = "replacement_size")
    public Long replacementSize;

    @Column(name = "replacement_sha256", length = 64)
    public String replacementSha256;

    @Column(name = "replacement_expires_at")
    public Instant replacementExpiresAt;

    /** A detached copy: a transition changes the copy, never the state it started from. */
    public Variant copy() {
        Variant c = new Variant();
        c.tenantId = tenantId;
        c.artifactId = artifactId;
        c.name = name;
        c.status = status;
        c.provider = provider;
        c.storageKey = storageKey;
        c.contentType = contentType;
        c.size = size;
        c.sha256 = sha256;
        c.createdAt = createdAt;
        c.completedAt = completedAt;
        c.uploadExpiresAt = uploadExpiresAt;
        c.replacementProvider = replacementProvider;
        c.replacementKey = replacementKey;
        c.replacementContentType = replacementContentType;
        c.replacementSize = replacementSize;
        c.replacementSha256 = replacementSha256;
        c.replacementExpiresAt = replacementExpiresAt;
        return c;
    }

    public boolean hasReplacement() {
        return replacementKey != null;
    }

    /** The pending replacement as a detached, PENDING variant of its own: what its upload must match. */
    public Variant replacement() {
        Variant r = new Variant();
        r.tenantId = tenantId;
        r.artifactId = artifactId;
        r.name = name;
        r.status = Status.PENDING;
        r.provider = replacementProvider;
        r.storageKey = replacementKey;
        r.contentType = replacementContentType;
        r.size = replacementSize;
        r.sha256 = replacementSha256;
        r.createdAt = createdAt;
        r.uploadExpiresAt = replacementExpiresAt;
        return r;
    }

    /** Records {@code pending} as this variant's replacement, in place of any earlier one. */
    public void replaceWith(Variant pending) {
        replacementProvider = pending.provider;
        replacementKey = pending.storageKey;
        replacementContentType = pending.contentType;
        replacementSize = pending.size;
        replacementSha256 = pending.sha256;
        replacementExpiresAt = pending.uploadExpiresAt;
    }

    /** The verified replacement becomes the variant's version, on {@code provider} at {@code storageKey}. */
    public void swapInReplacement(String provider, String storageKey, String verifiedSha256, Instant now) {
        this.provider = provider;
        this.storageKey = storageKey;
        this.contentType = replacementContentType;
        this.size = replacementSize;
        this.sha256 = verifiedSha256 != null ? verifiedSha256 : replacementSha256;
        this.uploadExpiresAt = replacementExpiresAt;
        this.completedAt = now;
        clearReplacement();
    }

    void clearReplacement() {
        replacementProvider = null;
        replacementKey = null;
        replacementContentType = null;
        replacementSize = null;
        replacementSha256 = null;
        replacementExpiresAt = null;
    }

    public StorageKey key() {
        return StorageKey.parse(storageKey);
    }

    /** The composite primary key: a variant name is unique within a tenant's artifact. */
    public static class Key implements Serializable {
        public String tenantId;
        public String artifactId;
        public String name;

        public Key() {
        }

        public Key(String tenantId, String artifactId, String name) {
            this.tenantId = tenantId;
            this.artifactId = artifactId;
            this.name = name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && tenantId.equals(k.tenantId) && artifactId.equals(k.artifactId) && name.equals(k.name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(tenantId, artifactId, name);
        }
    }
}
