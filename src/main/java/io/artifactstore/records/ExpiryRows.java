package io.artifactstore.records;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Instant;
import java.util.List;

import static io.artifactstore.records.Rows.utc;

/**
 * The expiry reaper's claims: each locks, with {@code FOR UPDATE SKIP LOCKED}, up to about a batch
 * of artifacts with something due, the same row lock every other change of an artifact takes first.
 * Replicas reaping at once never take the same artifact, and a ticket, complete or delete running
 * meanwhile is ordered before or after the batch, never interleaved. The statements after the claim
 * in the batch's transaction read with fresh snapshots under those locks (README "Replacing a variant and expiry").
 */
public final class ExpiryRows {

    private static final String LOCK_WITH_EXPIRED_UPLOADS = "SELECT " + ArtifactRows.COLUMNS + """
             FROM artifacts
            WHERE id IN (SELECT v.artifact_id FROM artifact_variants v
                         WHERE v.status = 'PENDING' AND v.upload_expires_at <= $1
                         ORDER BY v.upload_expires_at LIMIT $2)
            ORDER BY id FOR UPDATE SKIP LOCKED""";

    private static final String LOCK_WITH_EXPIRED_REPLACEMENTS = "SELECT " + ArtifactRows.COLUMNS + """
             FROM artifacts
            WHERE id IN (SELECT v.artifact_id FROM artifact_variants v
                         WHERE v.replacement_key IS NOT NULL AND v.replacement_expires_at <= $1
                         ORDER BY v.replacement_expires_at LIMIT $2)
            ORDER BY id FOR UPDATE SKIP LOCKED""";

    private static final String LOCK_OLD_INTERMEDIATES = "SELECT " + ArtifactRows.COLUMNS + """
             FROM artifacts WHERE type = 'INTERMEDIATE' AND created_at <= $1
            ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED""";

    private final SqlClient client;

    ExpiryRows(SqlClient client) {
        this.client = client;
    }

    /** Locks the artifacts of up to {@code limit} pending variants whose ticket stopped writing at or before {@code cutoff}. */
    public Uni<List<Artifact>> lockWithExpiredUploads(Instant cutoff, int limit) {
        return Rows.all(client, LOCK_WITH_EXPIRED_UPLOADS, Tuple.of(utc(cutoff), limit), ArtifactRows::of);
    }

    /** Locks the artifacts of up to {@code limit} replacements whose ticket stopped writing at or before {@code cutoff}. */
    public Uni<List<Artifact>> lockWithExpiredReplacements(Instant cutoff, int limit) {
        return Rows.all(client, LOCK_WITH_EXPIRED_REPLACEMENTS, Tuple.of(utc(cutoff), limit), ArtifactRows::of);
    }

    /** Locks up to {@code limit} intermediate artifacts created at or before {@code createdBefore}, oldest first. */
    public Uni<List<Artifact>> lockOldIntermediates(Instant createdBefore, int limit) {
        return Rows.all(client, LOCK_OLD_INTERMEDIATES, Tuple.of(utc(createdBefore), limit), ArtifactRows::of);
    }
}
