package io.artifactstore.artifact;

import io.artifactstore.api.KnownFailures;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.provider.MultipartUploads;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How objects are cut into parts within S3's limits. */
class PartPlanTest {

    private static final MultipartUploads.Limits S3 = new MultipartUploads.Limits(5L << 20, 5L << 30, 10_000);

    @Test
    void smallObjectsUseTheMinimumPartSizeAndLargeOnesStayWithin10000Parts() {
        assertThat(PartPlan.of(1, S3)).isEqualTo(new PartPlan(5L << 20, 1));
        assertThat(PartPlan.of(30L << 20, S3)).isEqualTo(new PartPlan(5L << 20, 6));
        assertThat(PartPlan.of((30L << 20) + 1, S3)).isEqualTo(new PartPlan(5L << 20, 7));
        PartPlan huge = PartPlan.of(100L << 30, S3); // the largest model type
        assertThat(huge.partCount()).isLessThanOrEqualTo(10_000);
        assertThat(huge.partSize() * huge.partCount()).isGreaterThanOrEqualTo(100L << 30);
        assertThat(huge.partSize()).isEqualTo(((100L << 30) + 9_999) / 10_000);
    }

    @Test
    void anObjectBeyondTheLargestPartsIsTooLarge() {
        assertThatThrownBy(() -> PartPlan.of((5L << 30) * 10_000 + 1, S3))
                .isInstanceOfSatisfying(DomainFailure.class, e -> assertThat(KnownFailures.answer(e).status()).isEqualTo(413));
    }
}
