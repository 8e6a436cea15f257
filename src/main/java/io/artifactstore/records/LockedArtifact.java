package io.artifactstore.records;

import io.artifactstore.core.DomainFailure;
import io.smallrye.mutiny.Uni;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An artifact whose row its transaction has locked, with its variants as they are under that lock:
 * every change of an artifact starts here (README "Immutable bytes, race-free records"), so the
 * transitions decide on the state no one else can change until the transaction ends.
 */
public record LockedArtifact(Artifact artifact, List<Variant> variants) {

    /** Variants in the order the API lists them (VariantRows' ORDER BY): by creation, then name. */
    private static final Comparator<Variant> LISTED = Comparator.<Variant, java.time.Instant>comparing(v -> v.createdAt)
            .thenComparing(v -> v.name);

    public LockedArtifact {
        variants = List.copyOf(variants);
    }

    /**
     * Locks the tenant's artifact and reads its variants, in {@code changes}' transaction; fails with
     * NOT_FOUND when the tenant has no such artifact (or it was deleted while this waited for the lock).
     */
    public static Uni<LockedArtifact> lock(Changes changes, String tenantId, String artifactId) {
        return changes.artifacts().lock(tenantId, artifactId)
                .onItem().ifNull().failWith(() -> DomainFailure.notFound("No such artifact"))
                .chain(artifact -> changes.variants().ofArtifact(tenantId, artifactId)
                        .map(all -> new LockedArtifact(artifact, all)));
    }

    /** The variant of that name, or null. */
    public Variant variant(String name) {
        for (Variant v : variants) {
            if (v.name.equals(name)) {
                return v;
            }
        }
        return null;
    }

    /** The variants once {@code transition} is written: what the artifact's answer lists after the commit. */
    public List<Variant> after(Transition transition) {
        String name = (transition.next() != null ? transition.next() : transition.before()).name;
        List<Variant> all = new ArrayList<>(variants.size() + 1);
        for (Variant v : variants) {
            if (!v.name.equals(name)) {
                all.add(v);
            }
        }
        if (transition.next() != null) {
            all.add(transition.next());
        }
        all.sort(LISTED);
        return all;
    }
}
