package io.artifactstore.artifact;

import io.artifactstore.testing.ArtifactStoreTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hand-written statements against the real schema: both rows or neither. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class ArtifactStatementsTest {

    @Inject
    ArtifactStatements statements;

    @Inject
    Pool database;

    @Test
    void anArtifactAndItsVariantAreStoredTogetherAndFoundOnlyByTheirTenant() {
        Artifact artifact = artifact();
        statements.insert(artifact, variant(artifact, "local")).await().indefinitely();

        ArtifactStatements.StoredVariant stored = statements.findStored("statements", artifact.id, "original").await().indefinitely();
        assertThat(stored.status()).isEqualTo(Status.PENDING);
        assertThat(stored.provider()).isEqualTo("local");
        assertThat(stored.key().toString()).isEqualTo("statements/image/b/" + artifact.id + "/original");
        assertThat(stored.filename()).isEqualTo("cat.png");
        assertThat(statements.findStored("someone-else", artifact.id, "original").await().indefinitely()).isNull();
    }

    @Test
    void whenTheVariantIsRefusedTheArtifactIsNotStoredEither() {
        Artifact artifact = artifact();
        Variant refused = variant(artifact, null); // provider is NOT NULL

        assertThatThrownBy(() -> statements.insert(artifact, refused).await().indefinitely()).isNotNull();

        long rows = database.preparedQuery("SELECT count(*) FROM artifacts WHERE id = $1").execute(Tuple.of(artifact.id))
                .await().indefinitely().iterator().next().getLong(0);
        assertThat(rows).isZero();
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
}
