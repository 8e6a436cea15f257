package io.artifactstore.provider;

import io.smallrye.mutiny.Uni;

import java.time.Instant;
import java.util.List;

/**
 * Optional ability: the stored objects, a page at a time, in ascending key order (byte order of the
 * key, as S3's ListObjectsV2 returns them), so a caller can walk a whole provider side by side with
 * records sorted the same way without holding every key. Keys are as {@link io.artifactstore.core.StorageKey}
 * prints them, without any provider-level prefix; staging areas (incoming uploads, multipart parts)
 * are never listed.
 */
public interface ObjectListing {

    /**
     * Up to {@code limit} objects whose key starts with {@code prefix} (empty: all) and sorts after
     * {@code startAfter} (empty: from the start). An empty page means there are no more (a store may answer a short page before the end).
     */
    Uni<List<ListedObject>> list(String prefix, String startAfter, int limit);

    /** One stored object: its key, size and when it was last written. */
    record ListedObject(String key, long size, Instant lastModified) {
    }
}
