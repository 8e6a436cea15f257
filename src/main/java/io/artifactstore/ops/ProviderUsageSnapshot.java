package io.artifactstore.ops;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bytes of available variants per provider, kept in the tiny table provider_usage_snapshot. Its
 * refresh scans every variant, so it runs on one replica at a time (whichever holds a transaction
 * advisory lock) and only when the snapshot is due; every replica reads the result.
 */
@ApplicationScoped
public class ProviderUsageSnapshot {

    /** A snapshot younger than this share of the interval is fresh: the replica whose timer fires first after it refreshes. */
    static final double DUE_AFTER_SHARE_OF_INTERVAL = 0.9;

    // Two statements on purpose: the freshness check must see a refresh committed while we waited for the lock.
    private static final String LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('artifact_store.provider_usage_snapshot')) AS leader";
    private static final String DUE =
            "SELECT NOT EXISTS (SELECT 1 FROM provider_usage_snapshot WHERE refreshed_at > now() - $1 * INTERVAL '1 millisecond') AS due";
    // Every provider with bytes, configured here, or known to the snapshot gets a row: one whose bytes are gone gets 0.
    private static final String REFRESH = """
            WITH scanned AS (
                SELECT provider, SUM(size)::BIGINT AS bytes FROM artifact_variants WHERE status = 'AVAILABLE' GROUP BY provider),
            names AS (
                SELECT provider FROM scanned UNION SELECT unnest($1::VARCHAR[]) UNION SELECT provider FROM provider_usage_snapshot)
            INSERT INTO provider_usage_snapshot (provider, bytes, refreshed_at)
            SELECT n.provider, COALESCE(s.bytes, 0), now() FROM names n LEFT JOIN scanned s ON s.provider = n.provider
            ON CONFLICT (provider) DO UPDATE SET bytes = EXCLUDED.bytes, refreshed_at = EXCLUDED.refreshed_at""";
    private static final String READ = "SELECT provider, bytes FROM provider_usage_snapshot";

    private final Pool database;

    @Inject
    public ProviderUsageSnapshot(Pool database) {
        this.database = database;
    }

    /**
     * Recomputes the snapshot unless another replica is doing it or it is younger than
     * {@link #DUE_AFTER_SHARE_OF_INTERVAL} of {@code interval} (by the database's clock, the same for
     * every replica); answers whether this call did.
     */
    public Uni<Boolean> refreshIfDue(Duration interval, Collection<String> providers) {
        long freshMillis = (long) (interval.toMillis() * DUE_AFTER_SHARE_OF_INTERVAL);
        return database.withTransaction(connection -> connection.query(LOCK).execute()
                .map(rows -> rows.iterator().next().getBoolean("leader"))
                .flatMap(leader -> leader ? due(connection, freshMillis) : Uni.createFrom().item(false))
                .flatMap(due -> due ? refresh(connection, providers) : Uni.createFrom().item(false)));
    }

    /** Bytes per provider as last computed; empty before the first refresh. */
    public Uni<Map<String, Long>> read() {
        return database.query(READ).execute().map(rows -> {
            Map<String, Long> bytes = new TreeMap<>();
            for (Row row : rows) {
                bytes.put(row.getString("provider"), row.getLong("bytes"));
            }
            return bytes;
        });
    }

    private static Uni<Boolean> due(SqlConnection connection, long freshMillis) {
        return connection.preparedQuery(DUE).execute(Tuple.of(freshMillis)).map(rows -> rows.iterator().next().getBoolean("due"));
    }

    private static Uni<Boolean> refresh(SqlConnection connection, Collection<String> providers) {
        return connection.preparedQuery(REFRESH).execute(Tuple.tuple().addArrayOfString(providers.toArray(String[]::new))).replaceWith(true);
    }
}
