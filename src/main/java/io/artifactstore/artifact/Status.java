package io.artifactstore.artifact;

/**
 * Status of an artifact and of each of its variants: bytes are awaited, or verified and readable;
 * a variant is MISSING when reconciliation found its record without bytes.
 */
public enum Status {
    PENDING, AVAILABLE, MISSING
}
