package io.artifactstore.records;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.security.Caller;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.vertx.RunOnVertxContext;
import io.quarkus.test.vertx.UniAsserter;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The hand-written statements of the hot paths (a new artifact's ticket, a download URL) and of the
 * tombstone sweep against the real schema: both rows or neither, and a round trip through the
 * Panache entities each way, so a new column cannot drift between the two views.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class ArtifactStatementsTest {

    /** Fields Hibernate's bytecode enhancement adds to entities: not columns. */
    private static final String ENHANCEMENT = "\\$\\$_hibernate_.*";

    @Inject
    Records records;

    @Inject
    Pool database;

    @Inject
    ArtifactRepository artifacts;

    @Inject
    VariantRepository variants;

    @Test
    void anArtifactAndItsVariantAreStoredTogetherAndFoundOnlyByTheirTenant() {
        Artifact artifact = artifact();
        records.alone(changes -> changes.artifacts().insertWithVariant(artifact, variant(artifact, "local"), created(artifact))).await().indefinitely();

        StoredVariant stored = findStored("statements", artifact.id, "original").await().indefinitely();
        assertThat(stored.status()).isEqualTo(Status.PENDING);
        assertThat(stored.provider()).isEqualTo("local");
        assertThat(stored.key().toString()).isEqualTo("statements/image/b/" + artifact.id + "/original");
        assertThat(stored.filename()).isEqualTo("cat.png");
        assertThat(findStored("someone-else", artifact.id, "original").await().indefinitely()).isNull();
    }

    @Test
    void whenTheVariantIsRefusedTheArtifactIsNotStoredEither() {
        Artifact artifact = artifact();
        Variant refused = variant(artifact, null); // provider is NOT NULL

        assertThatThrownBy(() -> records.alone(changes -> changes.artifacts().insertWithVariant(artifact, refused, created(artifact))).await().indefinitely()).isNotNull();

        long rows = database.preparedQuery("SELECT count(*) FROM artifacts WHERE id = $1").execute(Tuple.of(artifact.id))
                .await().indefinitely().iterator().next().getLong(0);
        assertThat(rows).isZero();
        long events = database.preparedQuery("SELECT count(*) FROM audit_events WHERE artifact_id = $1").execute(Tuple.of(artifact.id))
                .await().indefinitely().iterator().next().getLong(0);
        assertThat(events).isZero();
    }

    @Test
    @RunOnVertxContext
    void whatTheStatementsWriteTheEntitiesReadAndTheReverse(UniAsserter asserter) {
        Artifact written = artifact();
        Variant writtenVariant = variant(written, "local");
        writtenVariant.sha256 = "ab".repeat(32);
        asserter.execute(() -> records.alone(changes -> changes.artifacts().insertWithVariant(written, writtenVariant, created(written))));
        asserter.assertThat(() -> Panache.withSession(() -> artifacts.findById(written.id)),
                read -> assertThat(read).usingRecursiveComparison().ignoringFieldsMatchingRegexes(ENHANCEMENT).isEqualTo(written));
        asserter.assertThat(() -> Panache.withSession(() -> variants.findOwned(written.tenantId, written.id, "original")),
                read -> assertThat(read).usingRecursiveComparison().ignoringFieldsMatchingRegexes(ENHANCEMENT).isEqualTo(writtenVariant));

        Artifact persisted = artifact();
        Variant persistedVariant = variant(persisted, "s3");
        asserter.execute(() -> Panache.withTransaction(() -> artifacts.persist(persisted).chain(() -> variants.persist(persistedVariant))));
        asserter.assertThat(() -> findStored(persisted.tenantId, persisted.id, "original"),
                read -> assertThat(read).isEqualTo(new StoredVariant(Status.PENDING, "s3",
                        persistedVariant.key(), "image/png", "cat.png")));
    }

    @Test
    @RunOnVertxContext
    void aTombstoneIsClaimedOnceAndForgottenOnlyWhenDue(UniAsserter asserter) {
        Instant due = Instant.parse("2000-01-01T00:00:00Z");
        Tombstone tombstone = new Tombstone();
        tombstone.provider = "local";
        tombstone.storageKey = "statements/image/_/" + Ulid.next() + "/original/" + Ulid.next();
        tombstone.sweepAt = due;
        var key = new TombstoneRows.Buried(tombstone.provider, tombstone.storageKey);
        Instant leaseEnd = due.plusSeconds(300);

        asserter.execute(() -> Panache.withTransaction(() -> Panache.getSession().chain(session -> session.persist(tombstone))));
        asserter.assertThat(() -> claimDue(due, leaseEnd, 100), claimed -> assertThat(claimed).containsExactly(key));
        asserter.assertThat(() -> claimDue(due, leaseEnd, 100), claimed -> assertThat(claimed).isEmpty());
        asserter.execute(() -> forget(key.provider(), key.storageKey(), due));
        asserter.assertThat(() -> claimDue(leaseEnd, leaseEnd.plusSeconds(1), 100),
                claimed -> assertThat(claimed).as("still there: its lease had not ended").containsExactly(key));
        asserter.execute(() -> forget(key.provider(), key.storageKey(), leaseEnd.plusSeconds(1)));
        asserter.assertThat(() -> claimDue(leaseEnd.plusSeconds(10), leaseEnd.plusSeconds(20), 100),
                claimed -> assertThat(claimed).isEmpty());
    }

    /**
     * Every column of a variant (replacement included) and of a multipart upload, written by the row
     * classes, reads back the same through them and through the Panache entities: a column added to
     * the entity but not to its row class fails here (every field is set, checked by reflection).
     */
    @Test
    @RunOnVertxContext
    void everyColumnRoundTripsThroughTheRowClassesAndTheEntities(UniAsserter asserter) {
        Artifact artifact = artifact();
        artifact.metadata = Map.of("prompt", "a cat", "seed", 7, "tags", List.of("a", "b"), "nested", Map.of("k", true));
        Variant full = variant(artifact, "local");
        full.status = Status.AVAILABLE;
        full.sha256 = "ab".repeat(32);
        full.completedAt = artifact.createdAt.plusSeconds(1);
        full.replacementProvider = "s3";
        full.replacementKey = full.storageKey + "/" + Ulid.next();
        full.replacementContentType = "image/webp";
        full.replacementSize = 20L;
        full.replacementSha256 = "cd".repeat(32);
        full.replacementExpiresAt = artifact.createdAt.plusSeconds(600);
        MultipartUpload upload = new MultipartUpload();
        upload.id = Ulid.next();
        upload.tenantId = artifact.tenantId;
        upload.artifactId = artifact.id;
        upload.variant = full.name;
        upload.provider = "s3";
        upload.storageKey = full.replacementKey;
        upload.providerUploadId = "upload-" + Ulid.next();
        upload.streamed = true;
        upload.size = 20;
        upload.partSize = 10;
        upload.partCount = 2;
        upload.createdAt = artifact.createdAt;
        upload.expiresAt = artifact.createdAt.plusSeconds(3600);
        assertEveryFieldSet(full);
        assertEveryFieldSet(upload);

        asserter.execute(() -> records.inTransaction(changes -> changes.artifacts().insert(artifact)
                .chain(() -> changes.variants().insert(variant(artifact, "local")))
                .chain(() -> changes.variants().update(full))
                .chain(() -> changes.multiparts().insert(upload))));
        asserter.assertThat(() -> records.inTransaction(changes -> changes.artifacts().lock(artifact.tenantId, artifact.id)),
                read -> assertThat(read).usingRecursiveComparison().ignoringFieldsMatchingRegexes(ENHANCEMENT).isEqualTo(artifact));
        asserter.assertThat(() -> records.alone(changes -> changes.variants().find(full.tenantId, full.artifactId, full.name)),
                read -> assertThat(read).usingRecursiveComparison().ignoringFieldsMatchingRegexes(ENHANCEMENT).isEqualTo(full));
        asserter.assertThat(() -> Panache.withSession(() -> variants.findOwned(full.tenantId, full.artifactId, full.name)),
                read -> assertThat(read).usingRecursiveComparison().ignoringFieldsMatchingRegexes(ENHANCEMENT).isEqualTo(full));
        asserter.assertThat(() -> records.alone(changes -> changes.multiparts().find(upload.tenantId, upload.artifactId, upload.id)),
                read -> assertThat(read).usingRecursiveComparison().ignoringFieldsMatchingRegexes(ENHANCEMENT).isEqualTo(upload));
        asserter.assertThat(() -> Panache.withSession(() -> Panache.getSession().chain(session -> session.find(MultipartUpload.class, upload.id))),
                read -> assertThat(read).usingRecursiveComparison().ignoringFieldsMatchingRegexes(ENHANCEMENT).isEqualTo(upload));
    }

    private static void assertEveryFieldSet(Object entity) {
        for (java.lang.reflect.Field field : entity.getClass().getDeclaredFields()) {
            if (java.lang.reflect.Modifier.isStatic(field.getModifiers()) || field.getName().matches(ENHANCEMENT)) {
                continue;
            }
            try {
                assertThat(field.get(entity)).as("%s.%s is set by the round-trip test", entity.getClass().getSimpleName(), field.getName())
                        .isNotNull();
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
    }

    private Uni<StoredVariant> findStored(String tenantId, String artifactId, String name) {
        return records.alone(changes -> changes.variants().findStored(tenantId, artifactId, name));
    }

    private Uni<List<TombstoneRows.Buried>> claimDue(Instant now, Instant leaseEnd, int limit) {
        return records.alone(changes -> changes.tombstones().claimDue(now, leaseEnd, limit));
    }

    private Uni<Void> forget(String provider, String storageKey, Instant gone) {
        return records.alone(changes -> changes.tombstones().forget(provider, storageKey, gone));
    }

    private static Artifact artifact() {
        Artifact artifact = new Artifact();
        artifact.id = Ulid.next();
        artifact.tenantId = "statements";
        artifact.type = ArtifactType.IMAGE;
        artifact.boardId = "b";
        artifact.status = Status.PENDING;
        artifact.filename = "cat.png";
        artifact.metadata = Map.of("prompt", "a cat");
        artifact.createdAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        artifact.updatedAt = artifact.createdAt;
        return artifact;
    }

    private static Variant variant(Artifact artifact, String provider) {
        Variant variant = new Variant();
        variant.tenantId = artifact.tenantId;
        variant.artifactId = artifact.id;
        variant.name = "original";
        variant.status = Status.PENDING;
        variant.provider = provider;
        variant.storageKey = new StorageKey(artifact.tenantId, artifact.type, artifact.boardId, artifact.id, variant.name).toString();
        variant.contentType = "image/png";
        variant.size = 10;
        variant.createdAt = artifact.createdAt;
        variant.uploadExpiresAt = artifact.createdAt.plusSeconds(900);
        return variant;
    }

    private static AuditEvent created(Artifact artifact) {
        return AuditEvent.succeeded(new Caller(artifact.tenantId, "tester"), AuditAction.CREATE, artifact.id, "original", artifact.createdAt);
    }
}
