package io.artifactstore.records;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/**
 * A key no record points to any more, whose object must be gone once no signed URL handed out for
 * it can write there ({@link #sweepAt}). Written in the same transaction that lets go of the key.
 */
@Entity
@Table(name = "object_tombstones")
@IdClass(Tombstone.Key.class)
public class Tombstone {

    @Id
    public String provider;

    @Id
    @Column(name = "storage_key")
    public String storageKey;

    @Column(name = "sweep_at", nullable = false)
    public Instant sweepAt;

    public static class Key implements Serializable {
        public String provider;
        public String storageKey;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && provider.equals(k.provider) && storageKey.equals(k.storageKey);
        }

        @Override
        public int hashCode() {
            return Objects.hash(provider, storageKey);
        }
    }
}
