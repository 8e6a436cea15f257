package io.artifactstore.artifact;

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
