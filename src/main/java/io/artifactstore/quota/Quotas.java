package io.artifactstore.quota;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.records.Changes;
import io.artifactstore.records.QuotaRows;
import io.artifactstore.records.Records;
import io.artifactstore.records.Variant;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Per-tenant limits on stored bytes and artifacts (README "API reference"). A new ticket is admitted only if the
 * tenant's PENDING and AVAILABLE variants (a pending upload reserves its declared size, and so does a
 * pending replacement, next to the version it replaces), plus the new one, stay within them; else
 * OVER_QUOTA before any URL is signed or record written. Admissions of one tenant take turns on a
 * lock held by the transaction that writes the ticket, so parallel creates cannot overshoot; a tenant
 * without limits runs no query at all.
 */
@ApplicationScoped
public class Quotas {

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Records records;

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
     * Runs {@code work} (sign the ticket, write the rows) for a new artifact with its first variant.
     * Under a limit, in the transaction that checked the limit, so the next admission of the tenant
     * sees its rows; without one, straight on the pool, where its one statement commits by itself.
     */
    public <T> Uni<T> admitNew(Variant first, Function<Changes, Uni<T>> work) {
        Limits limits = limitsOf(first.tenantId);
        if (limits.none()) {
            return records.alone(work);
        }
        return records.inTransaction(changes -> admit(changes, first, limits).chain(() -> work.apply(changes)));
    }

    /**
     * Checks, in {@code changes}' transaction, that the tenant can hold {@code wanted}: a new variant,
     * a new ticket for a pending one (its earlier pending size no longer counts) or the replacement of
     * an available one (its verified size still counts until the swap; an earlier pending replacement
     * no longer does); and, when it revives an EXPIRED artifact, that the artifact fits the count
     * again. The tenant's lock is held until that transaction ends, which also writes the variant.
     */
    public Uni<Void> admit(Changes changes, Variant wanted) {
        return admit(changes, wanted, limitsOf(wanted.tenantId));
    }

    private static Uni<Void> admit(Changes changes, Variant wanted, Limits limits) {
        if (limits.none()) {
            return Uni.createFrom().voidItem();
        }
        return changes.quotas().lockAndCount(wanted.tenantId, wanted.artifactId, wanted.name)
                .invoke(held -> check(wanted, limits, held))
                .replaceWithVoid();
    }

    /** OVER_QUOTA when the variant's size on top of what is held, or the artifacts in all, exceed the limits. */
    private static void check(Variant wanted, Limits limits, QuotaRows.Held held) {
        if (limits.maxBytes() != null && held.bytes() + wanted.size > limits.maxBytes()) {
            throw DomainFailure.of(DomainFailure.Kind.OVER_QUOTA, "Storage quota exceeded: " + held.bytes() + " of "
                    + limits.maxBytes() + " bytes in use (pending uploads included); this upload needs " + wanted.size + " more");
        }
        if (limits.maxArtifacts() != null && held.artifacts() > limits.maxArtifacts()) {
            throw DomainFailure.of(DomainFailure.Kind.OVER_QUOTA, "Artifact quota exceeded: " + (held.artifacts() - 1)
                    + " of " + limits.maxArtifacts() + " artifacts in use (pending uploads included)");
        }
    }
}
