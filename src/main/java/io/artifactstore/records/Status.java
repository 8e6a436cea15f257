package io.artifactstore.records;

/**
 * Status of an artifact and of each of its variants: bytes are awaited, verified and readable, never
 * arrived before the ticket expired (EXPIRED), or found missing by reconciliation (MISSING).
 */
public enum Status {
    PENDING, AVAILABLE, EXPIRED, MISSING
}
