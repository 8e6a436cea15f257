package io.artifactstore.records;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.artifactstore.records.Rows.utc;

/** The statements of table {@code object_tombstones}: keys no record names, whose objects must go ({@link Released}). */
public final class TombstoneRows {

    /** A key released twice keeps the later sweep time: never delete what a URL may still write. */
    private static final String BURY = """
            INSERT INTO object_tombstones (provider, storage_key, sweep_at)
            SELECT * FROM UNNEST($1::varchar[], $2::varchar[], $3::timestamptz[])
            ON CONFLICT (provider, storage_key) DO UPDATE SET sweep_at = GREATEST(object_tombstones.sweep_at, EXCLUDED.sweep_at)""";

    /** Claims a batch of due tombstones for this replica by pushing their sweep time to the end of a lease. */
    private static final String CLAIM_DUE = """
            UPDATE object_tombstones t SET sweep_at = $2
            FROM (SELECT provider, storage_key FROM object_tombstones WHERE sweep_at <= $1
                  ORDER BY sweep_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
            WHERE t.provider = due.provider AND t.storage_key = due.storage_key
            RETURNING t.provider, t.storage_key""";

    private static final String FORGET = """
            DELETE FROM object_tombstones WHERE provider = $1 AND storage_key = $2 AND sweep_at <= $3""";

    private final SqlClient client;

    TombstoneRows(SqlClient client) {
        this.client = client;
    }

    /** Records, in the caller's transaction, that no record names these versions any more. */
    public Uni<Void> bury(List<Released> versions) {
        if (versions.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // One row per key, the latest sweep time: ON CONFLICT DO UPDATE may not touch a row twice in one statement.
        Map<List<String>, Instant> latest = new LinkedHashMap<>();
        for (Released v : versions) {
            latest.merge(List.of(v.provider(), v.storageKey()), v.sweepAt(), (a, b) -> a.isAfter(b) ? a : b);
        }
        String[] providers = latest.keySet().stream().map(k -> k.get(0)).toArray(String[]::new);
        String[] keys = latest.keySet().stream().map(k -> k.get(1)).toArray(String[]::new);
        OffsetDateTime[] due = latest.values().stream().map(Rows::utc).toArray(OffsetDateTime[]::new);
        return Rows.execute(client, BURY, Tuple.of(providers, keys, due));
    }

    /** A tombstoned key: its provider and storage key. */
    public record Buried(String provider, String storageKey) {
    }

    /** Claims up to {@code limit} tombstones due at {@code now} until {@code leaseEnd}; other replicas skip them. */
    public Uni<List<Buried>> claimDue(Instant now, Instant leaseEnd, int limit) {
        return Rows.all(client, CLAIM_DUE, Tuple.of(utc(now), utc(leaseEnd), limit),
                row -> new Buried(row.getString("provider"), row.getString("storage_key")));
    }

    /** Drops the tombstone of a key whose object is gone, unless a URL may still write there after {@code gone}. */
    public Uni<Void> forget(String provider, String storageKey, Instant gone) {
        return Rows.execute(client, FORGET, Tuple.of(provider, storageKey, utc(gone)));
    }
}
