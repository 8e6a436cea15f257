package io.artifactstore.provider;

import io.artifactstore.core.StorageKey;

import java.time.Duration;

/** What a signed upload must be bound to. {@code sha256} is null when the client declared none. */
public record UploadTarget(StorageKey key, String contentType, long size, String sha256, Duration ttl) {
}
