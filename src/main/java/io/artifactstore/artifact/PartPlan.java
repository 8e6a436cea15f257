package io.artifactstore.artifact;

import io.artifactstore.core.DomainFailure;
import io.artifactstore.provider.MultipartUploads;

/**
 * How an object of a given size is cut into parts: the store's minimum part size, grown as far as
 * needed to stay within its part count (never above 10,000 parts, as in S3). With S3's limits this is
 * {@code max(5 MiB, ceil(size / 10000))}, the chunk size Uppy's {@code @uppy/aws-s3} computes itself.
 */
record PartPlan(long partSize, int partCount) {

    static final int MAX_PARTS = 10_000;

    static PartPlan of(long size, MultipartUploads.Limits limits) {
        int maxParts = Math.min(MAX_PARTS, limits.maxParts());
        long partSize = Math.max(limits.minPartSize(), ceilDiv(size, maxParts));
        if (partSize > limits.maxPartSize()) {
            throw DomainFailure.tooLarge("An object of " + size + " bytes does not fit in " + maxParts
                    + " parts of at most " + limits.maxPartSize() + " bytes on this provider");
        }
        return new PartPlan(partSize, (int) Math.max(1, ceilDiv(size, partSize)));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
