package io.artifactstore.artifact;

/** Status of an artifact and of each of its variants: bytes are awaited, or verified and readable. */
public enum Status {
    PENDING, AVAILABLE
}
