package io.artifactstore.artifact;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The bodies of the multipart endpoints (README "Large uploads: multipart"), shaped after S3's own and Uppy's callbacks. */
public final class MultipartMessages {

    private MultipartMessages() {
    }

    @Schema(name = "MultipartUpload", description = "A started multipart upload: PUT `partCount` parts of `partSize` bytes"
            + " (the last one holds the rest), each through a signed URL from sign parts, then complete.")
    public record Started(String uploadId, long partSize, int partCount, Instant expiresAt) {
    }

    @Schema(name = "PartNumbers", description = "The parts to sign URLs for: 1 to 1000 numbers, each from 1 to `partCount`.")
    public record PartNumbers(List<Integer> partNumbers) {
    }

    @Schema(name = "SignedPart", description = "The request that uploads one part: send exactly this, with a body of"
            + " exactly the part's size; the answer's ETag header names the part on complete.")
    public record SignedPart(int partNumber, String method, String url, Map<String, String> headers, Instant expiresAt) {
    }

    @Schema(name = "SignedParts")
    public record SignedParts(List<SignedPart> parts) {
    }

    @Schema(name = "StoredPart", description = "A part the store holds.")
    public record StoredPart(int partNumber, long size, String etag) {
    }

    @Schema(name = "StoredParts")
    public record StoredParts(List<StoredPart> parts) {
    }

    @Schema(name = "CompletedPart", description = "A part as its PUT answered: its number and its ETag.")
    public record CompletedPart(Integer partNumber, String etag) {
    }

    @Schema(name = "CompleteMultipart", description = "Every part, 1 to `partCount` in order, with the ETag its PUT answered.")
    public record Complete(List<CompletedPart> parts) {
    }
}
