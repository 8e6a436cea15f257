package io.artifactstore.reconcile;

import java.time.Instant;

/** A reconciliation job as stored: what it walks, where it stands, what it found and did. */
public record ReconcileJob(String id, String tenant, String provider, String prefix, boolean apply, String status,
                           Counters counters, String error, Instant startedAt, Instant finishedAt) {

    public static final String RUNNING = "RUNNING";
    public static final String DONE = "DONE";
    public static final String FAILED = "FAILED";

    /**
     * {@code orphanObjects}: objects without a record; {@code missingObjects}: AVAILABLE records
     * without an object; {@code deletedObjects} and {@code markedMissing}: what {@code apply} did of them.
     */
    public record Counters(long scannedObjects, long scannedRecords, long orphanObjects, long missingObjects,
                           long deletedObjects, long markedMissing) {

        public static final Counters NONE = new Counters(0, 0, 0, 0, 0, 0);
    }
}
