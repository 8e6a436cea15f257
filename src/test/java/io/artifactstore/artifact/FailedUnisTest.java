package io.artifactstore.artifact;

import io.artifactstore.records.ArtifactFilter;
import io.artifactstore.security.Caller;
import io.artifactstore.api.KnownFailures;
import io.artifactstore.api.ServiceException;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.provider.StorageProviders;
import io.artifactstore.provider.UploadTarget;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Methods that return a Uni report bad input by failing it, never by throwing at the caller, who
 * may have composed the call into a pipeline and expects every failure down the same path.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class FailedUnisTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    Tickets tickets;

    @Inject
    ArtifactQueries queries;

    /** What the client hears of a failure, whether the domain names it by kind or as an answer. */
    @Inject
    KnownFailures answers;

    @Inject
    ProviderRegistry providers;

    @Inject
    StorageProviders bare;

    @Test
    void aRefusedTicketIsAFailedUni() {
        UploadRequest hologram = new UploadRequest("hologram", null, "image/png", 3L, null, null, null, null, null);
        Uni<CreatedArtifact> ticket = tickets.create(new Caller("unis", "tester"), hologram);
        assertThatThrownBy(() -> ticket.await().atMost(WAIT)).satisfies(
                refused -> assertThat(answers.answer(refused).status()).isEqualTo(400));

        UploadRequest headless = new UploadRequest("image", null, "image/png", 3L, null, null, null, "thumbnail", null);
        Uni<CreatedArtifact> variant = tickets.create(new Caller("unis", "tester"), headless);
        assertThatThrownBy(() -> variant.await().atMost(WAIT)).satisfies(
                refused -> assertThat(answers.answer(refused).errors()).extracting(ServiceException.FieldError::field).containsExactly("artifactId"));
    }

    @Test
    void aBadExpiryOrCursorIsAFailedUni() {
        Uni<SignedRequest> url = queries.downloadUrl("unis", Ulid.next(), "original", Duration.ZERO, null);
        assertThatThrownBy(() -> url.await().atMost(WAIT)).satisfies(
                refused -> assertThat(answers.answer(refused).errors()).extracting(ServiceException.FieldError::field).containsExactly("expiresIn"));

        Uni<ArtifactPage> page = queries.list("unis", new ArtifactFilter(null, null, null), 10, "not a cursor");
        assertThatThrownBy(() -> page.await().atMost(WAIT)).satisfies(
                refused -> assertThat(answers.answer(refused).errors()).extracting(ServiceException.FieldError::field).containsExactly("cursor"));
    }

    @Test
    void aFieldThatMayNotBeSignedFailsTheUni() {
        // The local provider refuses to sign a field that could split its signature.
        StorageKey key = new StorageKey("unis", ArtifactType.TEXT, null, Ulid.next(), "original");
        UploadTarget splitting = new UploadTarget(key, "text/plain\r\nX-Evil: 1", 3, null, Duration.ofMinutes(1));
        Uni<SignedRequest> ticket = providers.get("local").presignUpload(splitting);
        assertThatThrownBy(() -> ticket.await().atMost(WAIT)).isInstanceOf(IllegalArgumentException.class);
        Uni<SignedRequest> bareTicket = bare.byName().get("local").presignUpload(splitting);
        assertThatThrownBy(() -> bareTicket.await().atMost(WAIT)).as("the provider itself, without its guard")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
