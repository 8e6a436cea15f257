package io.artifactstore.provider.s3;

import io.artifactstore.core.StoreFailure;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

/** What an S3 store's answers become: the kinds the API turns into statuses. */
class S3FailuresTest {

    @Test
    void aFullStoreIsNoSpaceAndAServerErrorIsUnavailable() {
        assertThat(kindOf(507)).isEqualTo(StoreFailure.Kind.NO_SPACE); // MinIO: XMinioStorageFull
        assertThat(kindOf(500)).isEqualTo(StoreFailure.Kind.UNAVAILABLE);
        assertThat(kindOf(503)).isEqualTo(StoreFailure.Kind.UNAVAILABLE);
        assertThat(kindOf(403)).isEqualTo(StoreFailure.Kind.REFUSED);
    }

    private static StoreFailure.Kind kindOf(int status) {
        S3Exception answer = (S3Exception) S3Exception.builder().statusCode(status).message("status " + status).build();
        return ((StoreFailure) S3StorageProvider.typed(new CompletionException(answer))).kind();
    }
}
