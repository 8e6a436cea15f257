package io.artifactstore.records;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the records say is stored at a provider's keys, read for reconciliation (README
 * "Operations"): the keys variants name, and the keys accounted for without one. A new table
 * that names keys (a variant kept on several providers) changes these reads, here. Keys compare with
 * COLLATE "C" (byte order), the order stores list objects in, whatever the database's collation.
 */
public final class StoredKeys {

    private static final String VARIANT_PAGE = """
            SELECT storage_key, status FROM artifact_variants
            WHERE provider = $1 AND storage_key COLLATE "C" > $2
              AND storage_key COLLATE "C" >= $3 AND storage_key COLLATE "C" < $4
            ORDER BY storage_key COLLATE "C" LIMIT $5""";

    /** Keys that have no variant but are accounted for: tombstoned (swept later) or a multipart upload's target. */
    private static final String ACCOUNTED = """
            SELECT storage_key FROM object_tombstones WHERE provider = $1 AND storage_key = ANY($2)
            UNION SELECT storage_key FROM multipart_uploads WHERE provider = $1 AND storage_key = ANY($2)""";

    private final SqlClient client;

    StoredKeys(SqlClient client) {
        this.client = client;
    }

    /** A key a variant names as its verified version, and the variant's status. */
    public record RecordedKey(String key, Status status) {
    }

    /** Up to {@code limit} of the provider's variant keys after {@code after}, within [from, to), in byte order. */
    public Uni<List<RecordedKey>> variantPage(String provider, String after, String from, String to, int limit) {
        return Rows.all(client, VARIANT_PAGE, Tuple.of(provider, after, from, to, limit),
                row -> new RecordedKey(row.getString("storage_key"), Status.valueOf(row.getString("status"))));
    }

    /** Which of these keys are tombstoned or targets of a multipart upload. */
    public Uni<Set<String>> accounted(String provider, List<String> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return Rows.all(client, ACCOUNTED, Tuple.of(provider, keys.toArray(String[]::new)), row -> row.getString("storage_key"))
                .map(HashSet::new);
    }
}
