package io.artifactstore.idempotency;

import io.artifactstore.core.Batches;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;

/**
 * Deletes expired idempotency keys, a bounded batch at a time, on each replica's reaper tick
 * (README, "Idempotent retries: Idempotency-Key"). An expired key already acts as new (a request takes it over), so this only keeps the table small;
 * {@code SKIP LOCKED} keeps replicas out of each other's way.
 */
@ApplicationScoped
public class IdempotencyKeyPurge {

    static final int BATCH = 500;
    /** Batches per tick at most, so one tick never runs long; what is left goes on the next. */
    static final int MAX_BATCHES = 20;

    @Inject
    IdempotencyKeys keys;

    /** Deletes the keys expired at {@code now}, up to {@link #MAX_BATCHES} batches; answers how many went. */
    public Uni<Integer> purgeExpired(Instant now) {
        return Batches.untilShort(() -> keys.purgeExpired(now, BATCH), BATCH, MAX_BATCHES);
    }
}
