package io.artifactstore.idempotency;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** The statements of table {@code idempotency_keys} (V6), on the reactive pool: one round trip each. */
@ApplicationScoped
public class IdempotencyKeys {

    /**
     * Takes the key for one run: inserts it, or takes over a row that expired, or one whose run never
     * finished (same request, lock past its time). Answers a row only when this run owns the key; the
     * row lock makes two racing claims end with one owner.
     */
    private static final String CLAIM = """
            INSERT INTO idempotency_keys (tenant_id, idempotency_key, fingerprint, status, lock_token,
                                          created_at, locked_until, expires_at)
            VALUES ($1, $2, $3, 'IN_PROGRESS', $4, $5, $6, $7)
            ON CONFLICT (tenant_id, idempotency_key) DO UPDATE SET
                fingerprint = EXCLUDED.fingerprint, status = 'IN_PROGRESS', lock_token = EXCLUDED.lock_token,
                response_status = NULL, response_content_type = NULL, response_location = NULL, response_body = NULL,
                created_at = EXCLUDED.created_at, locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at
            WHERE idempotency_keys.expires_at <= EXCLUDED.created_at
               OR (idempotency_keys.status = 'IN_PROGRESS' AND idempotency_keys.locked_until <= EXCLUDED.created_at
                   AND idempotency_keys.fingerprint = EXCLUDED.fingerprint)
            RETURNING lock_token""";

    private static final String FIND = """
            SELECT fingerprint, status, response_status, response_content_type, response_location, response_body
            FROM idempotency_keys WHERE tenant_id = $1 AND idempotency_key = $2 AND expires_at > $3""";

    private static final String FINISH = """
            UPDATE idempotency_keys SET status = 'DONE', lock_token = NULL, response_status = $4,
                response_content_type = $5, response_location = $6, response_body = $7
            WHERE tenant_id = $1 AND idempotency_key = $2 AND lock_token = $3""";

    private static final String RELEASE = """
            DELETE FROM idempotency_keys WHERE tenant_id = $1 AND idempotency_key = $2 AND lock_token = $3""";

    private static final String PURGE_EXPIRED = """
            DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
                SELECT ctid FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED))""";

    @Inject
    Pool database;

    /** True when this run ({@code lockToken}) now owns the key. */
    public Uni<Boolean> claim(String tenantId, String key, String fingerprint, String lockToken,
                              Instant now, Instant lockedUntil, Instant expiresAt) {
        Tuple values = Tuple.of(tenantId, key, fingerprint, lockToken, utc(now), utc(lockedUntil)).addOffsetDateTime(utc(expiresAt));
        return database.preparedQuery(CLAIM).execute(values).map(rows -> rows.rowCount() == 1);
    }

    /** The key's live row, or null when there is none (never used, or expired). */
    public Uni<StoredKey> find(String tenantId, String key, Instant now) {
        return database.preparedQuery(FIND).execute(Tuple.of(tenantId, key, utc(now))).map(rows -> {
            RowIterator<Row> found = rows.iterator();
            if (!found.hasNext()) {
                return null;
            }
            Row row = found.next();
            return new StoredKey(row.getString("fingerprint"), "IN_PROGRESS".equals(row.getString("status")),
                    row.getInteger("response_status"), row.getString("response_content_type"),
                    row.getString("response_location"), row.getString("response_body"));
        });
    }

    /** Stores the answer of the run that owns the key. */
    public Uni<Void> finish(String tenantId, String key, String lockToken, StoredAnswer answer) {
        Tuple values = Tuple.of(tenantId, key, lockToken, answer.status(), answer.contentType(), answer.location())
                .addString(answer.body());
        return database.preparedQuery(FINISH).execute(values).replaceWithVoid();
    }

    /** Forgets the key of a run whose answer is not kept, so that a retry runs again. */
    public Uni<Void> release(String tenantId, String key, String lockToken) {
        return database.preparedQuery(RELEASE).execute(Tuple.of(tenantId, key, lockToken)).replaceWithVoid();
    }

    /** Deletes up to {@code limit} keys expired at {@code now}; answers how many went. */
    public Uni<Integer> purgeExpired(Instant now, int limit) {
        return database.preparedQuery(PURGE_EXPIRED).execute(Tuple.of(utc(now), limit)).map(rows -> rows.rowCount());
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    /** A live key: in progress, or done with its answer. */
    public record StoredKey(String fingerprint, boolean inProgress, Integer status, String contentType,
                            String location, String body) {

        StoredAnswer answer() {
            return new StoredAnswer(status, contentType, location, body);
        }
    }

    /** An answer as it is replayed: status, Content-Type, Location (or null) and the JSON body. */
    public record StoredAnswer(int status, String contentType, String location, String body) {
    }
}
