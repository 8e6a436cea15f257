package io.artifactstore.provider;

import io.artifactstore.core.StorageKey;

import java.time.Duration;

/** What a signed download answers with. {@code contentDisposition} is null for the store's default. */
public record DownloadTarget(StorageKey key, String contentType, String contentDisposition, Duration ttl) {
}
