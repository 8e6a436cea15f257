package io.artifactstore.artifact;

import io.artifactstore.records.Variant;
import io.artifactstore.api.ServiceException;
import io.artifactstore.config.ArtifactStoreConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Per-tenant limits on stored bytes and artifacts (CONTRACT §3). A new ticket is admitted only if the
 * tenant's PENDING and AVAILABLE variants (a pending upload reserves its declared size, and so does a
 * pending replacement, next to the version it replaces), plus the new one, stay within them; else
 * 507 before any URL is signed or record written. Admissions of one tenant take turns on a
 * transaction advisory lock, so parallel creates cannot overshoot; a tenant without limits runs no
 * query at all.
 */
@ApplicationScoped
public class Quotas {

    public static final int INSUFFICIENT_STORAGE = 507;

    // Taken in its own statement: the sum that follows, in read committed, then sees whatever the previous holder wrote.
    private static final String LOCK = "SELECT 1 FROM pg_advisory_xact_lock(hashtext('artifact_store.quota:' || $1))";
    /**
     * What the tenant holds or has reserved, as TenantUsage counts it (a pending replacement reserves
     * its size next to the version it replaces), besides what the variant about to be ticketed ($2,
     * $3) gives up: the size of its earlier pending ticket, or of its earlier pending replacement.
     * And the artifacts it will hold once the variant is ticketed: one more unless its artifact
     * counts already through another variant (an EXPIRED artifact that a ticket revives counts again).
     */
    private static final String USED = """
            SELECT CAST(COALESCE(SUM(CASE WHEN artifact_id = $2 AND name = $3
                                          THEN CASE WHEN status = 'AVAILABLE' THEN size ELSE 0 END
                                          ELSE size + CASE WHEN status = 'AVAILABLE' THEN COALESCE(replacement_size, 0) ELSE 0 END
                                     END), 0) AS BIGINT) AS bytes,
                   COUNT(DISTINCT CASE WHEN NOT (artifact_id = $2 AND name = $3 AND status = 'PENDING') THEN artifact_id END)
                   + CASE WHEN BOOL_OR(artifact_id = $2 AND NOT (name = $3 AND status = 'PENDING')) THEN 0 ELSE 1 END AS artifacts
            FROM artifact_variants
            WHERE tenant_id = $1 AND status IN ('PENDING', 'AVAILABLE')""";

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Pool database;

    /** A tenant's limits; null where there is none. */
    public record Limits(Long maxBytes, Long maxArtifacts) {
        boolean none() {
            return maxBytes == null && maxArtifacts == null;
        }
    }

    public Limits limitsOf(String tenantId) {
        ArtifactStoreConfig.Limits defaults = config.quotas().defaults();
        ArtifactStoreConfig.Limits own = config.quotas().tenants().get(tenantId);
        Optional<MemorySize> bytes = own != null && own.maxBytes().isPresent() ? own.maxBytes() : defaults.maxBytes();
        OptionalLong count = own != null && own.maxArtifacts().isPresent() ? own.maxArtifacts() : defaults.maxArtifacts();
        return new Limits(bytes.map(MemorySize::asLongValue).orElse(null), count.isPresent() ? count.getAsLong() : null);
    }

    /**
     * Runs {@code work} (sign the ticket, insert the rows through the client given) for a new artifact
     * with its first variant. Under a limit, it runs in the transaction that checked the limit, so the
     * next admission of the tenant sees its rows; without one, straight on the pool.
     */
    public <T> Uni<T> admitArtifact(Variant first, Function<SqlClient, Uni<T>> work) {
        Limits limits = limitsOf(first.tenantId);
        if (limits.none()) {
            return work.apply(database);
        }
        return database.withTransaction(connection -> connection.preparedQuery(LOCK).execute(Tuple.of(first.tenantId))
                .chain(() -> connection.preparedQuery(USED).execute(Tuple.of(first.tenantId, first.artifactId, first.name)))
                .map(rows -> rows.iterator().next())
                .invoke(used -> check(first, limits, used.getLong("bytes"), used.getLong("artifacts")))
                .chain(() -> Uni.createFrom().deferred(() -> work.apply(connection))));
    }

    /**
     * Checks, in the caller's (Panache) transaction, that the tenant can hold {@code wanted}, a variant
     * added to an existing artifact, re-ticketed (its earlier pending size no longer counts) or the
     * replacement of an available one (its verified size still counts until the swap; an earlier
     * pending replacement no longer does); and, when it revives an EXPIRED artifact, that
     * the artifact fits the count again. The lock is held until that transaction ends, which also
     * writes the variant.
     */
    public Uni<Void> admitVariant(Variant wanted) {
        Limits limits = limitsOf(wanted.tenantId);
        if (limits.none()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.getSession().chain(session -> session.createNativeQuery(hibernate(LOCK), Integer.class)
                .setParameter(1, wanted.tenantId).getSingleResult()
                .chain(() -> session.createNativeQuery(hibernate(USED), Object[].class)
                        .setParameter(1, wanted.tenantId).setParameter(2, wanted.artifactId).setParameter(3, wanted.name)
                        .getSingleResult())
                .invoke(used -> check(wanted, limits, ((Number) used[0]).longValue(), ((Number) used[1]).longValue()))
                .replaceWithVoid());
    }

    /** 507 when the variant's size on top of {@code usedBytes}, or {@code artifacts} in all, exceed the limits. */
    private static void check(Variant wanted, Limits limits, long usedBytes, long artifacts) {
        if (limits.maxBytes() != null && usedBytes + wanted.size > limits.maxBytes()) {
            throw insufficientStorage("Storage quota exceeded: " + usedBytes + " of " + limits.maxBytes()
                    + " bytes in use (pending uploads included); this upload needs " + wanted.size + " more");
        }
        if (limits.maxArtifacts() != null && artifacts > limits.maxArtifacts()) {
            throw insufficientStorage("Artifact quota exceeded: " + (artifacts - 1) + " of " + limits.maxArtifacts()
                    + " artifacts in use (pending uploads included)");
        }
    }

    static ServiceException insufficientStorage(String detail) {
        return new ServiceException(INSUFFICIENT_STORAGE, "Insufficient Storage", detail);
    }

    /** The same statement with Hibernate's positional parameters ($1 becomes ?1). */
    private static String hibernate(String sql) {
        return sql.replace('$', '?');
    }

}
