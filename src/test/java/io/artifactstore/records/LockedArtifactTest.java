package io.artifactstore.records;

import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The variants an answer lists after a transition, computed from the state read under the lock
 * instead of read again: in the order the database lists them (by creation, then name), without a
 * query. Plain code, no database.
 */
class LockedArtifactTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private final VariantTransitions transitions = new VariantTransitions(Duration.ofMinutes(10));

    @Test
    void aNewVariantIsListedAfterTheOlderOnes() {
        LockedArtifact locked = locked(variant("original", Status.AVAILABLE, T0));
        Transition thumbnail = transitions.ticket(null, variant("thumbnail", Status.PENDING, T0.plusSeconds(5)), false, T0.plusSeconds(5));

        assertThat(names(locked.after(thumbnail))).containsExactly("original", "thumbnail");
        assertThat(locked.after(thumbnail).get(1).status).isEqualTo(Status.PENDING);
        assertThat(names(locked.variants())).as("the state read under the lock stays as it was").containsExactly("original");
    }

    @Test
    void aVariantTicketedAgainMovesToItsNewCreationTime() {
        LockedArtifact locked = locked(variant("original", Status.PENDING, T0), variant("preview", Status.AVAILABLE, T0.plusSeconds(1)));
        Instant later = T0.plusSeconds(60);
        Transition again = transitions.ticket(locked.variant("original"), variant("original", Status.PENDING, later), false, later);

        List<Variant> after = locked.after(again);
        assertThat(names(after)).containsExactly("preview", "original");
        assertThat(after.get(1).storageKey).isEqualTo(again.next().storageKey).isNotEqualTo(locked.variant("original").storageKey);
    }

    @Test
    void aCompletedVariantKeepsItsPlace() {
        LockedArtifact locked = locked(variant("original", Status.PENDING, T0), variant("thumbnail", Status.AVAILABLE, T0.plusSeconds(1)));
        Variant pending = locked.variant("original");
        Transition done = transitions.complete(pending, pending.storageKey, "ab".repeat(32), T0.plusSeconds(3));

        List<Variant> after = locked.after(done);
        assertThat(names(after)).containsExactly("original", "thumbnail");
        assertThat(after.get(0).status).isEqualTo(Status.AVAILABLE);
        assertThat(after.get(1)).isSameAs(locked.variant("thumbnail"));
    }

    @Test
    void variantsCreatedAtTheSameTimeAreListedByName() {
        LockedArtifact locked = locked(variant("b", Status.PENDING, T0), variant("c", Status.AVAILABLE, T0));
        Variant pending = locked.variant("b");

        assertThat(names(locked.after(transitions.complete(pending, pending.storageKey, null, T0.plusSeconds(3)))))
                .containsExactly("b", "c");
        assertThat(names(locked.after(transitions.ticket(null, variant("a", Status.PENDING, T0), false, T0))))
                .containsExactly("a", "b", "c");
    }

    @Test
    void aDeletedVariantIsNoLongerListedAndAnUnchangedOneStaysAsItIs() {
        LockedArtifact locked = locked(variant("original", Status.AVAILABLE, T0), variant("thumbnail", Status.AVAILABLE, T0.plusSeconds(1)));

        assertThat(names(locked.after(transitions.delete(locked.variant("thumbnail"), T0.plusSeconds(2))))).containsExactly("original");
        Variant original = locked.variant("original");
        Transition again = transitions.complete(original, original.storageKey, null, T0.plusSeconds(2));
        assertThat(again.changed()).isFalse();
        assertThat(locked.after(again)).containsExactlyElementsOf(locked.variants());
    }

    @Test
    void aVariantIsFoundByItsNameOnly() {
        LockedArtifact locked = locked(variant("original", Status.AVAILABLE, T0));
        assertThat(locked.variant("original")).isNotNull();
        assertThat(locked.variant("thumbnail")).isNull();
    }

    private static List<String> names(List<Variant> variants) {
        return variants.stream().map(v -> v.name).toList();
    }

    private static LockedArtifact locked(Variant... variants) {
        Artifact artifact = new Artifact();
        artifact.id = variants[0].artifactId;
        artifact.tenantId = "t";
        artifact.type = ArtifactType.IMAGE;
        artifact.status = Status.PENDING;
        artifact.createdAt = T0;
        artifact.updatedAt = T0;
        return new LockedArtifact(artifact, List.of(variants));
    }

    private static final String ARTIFACT = Ulid.next();

    private static Variant variant(String name, Status status, Instant createdAt) {
        Variant v = new Variant();
        v.tenantId = "t";
        v.artifactId = ARTIFACT;
        v.name = name;
        v.status = status;
        v.provider = "local";
        v.storageKey = new StorageKey("t", ArtifactType.IMAGE, "b", ARTIFACT, name).withVersion(Ulid.next()).toString();
        v.contentType = "image/png";
        v.size = 3;
        v.createdAt = createdAt;
        v.uploadExpiresAt = createdAt.plusSeconds(900);
        return v;
    }
}
