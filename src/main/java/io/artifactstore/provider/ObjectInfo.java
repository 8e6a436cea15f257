package io.artifactstore.provider;

/** A stored object as its provider reports it; {@code sha256} is null when the provider does not know it. */
public record ObjectInfo(long size, String sha256) {
}
