package io.artifactstore.provider;

import io.artifactstore.core.StorageKey;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.List;

/**
 * Optional ability: an object uploaded in parts, each through a signed URL of its own, then
 * assembled by the store (S3's multipart upload, or the local provider's imitation of it). For objects
 * too large for one PUT and for clients on flaky networks, which resume by listing what arrived.
 * Every operation is non-blocking and fails its Uni with a {@link io.artifactstore.core.StoreFailure};
 * an upload id the store does not know fails as {@code NOT_FOUND}.
 */
public interface MultipartUploads {

    /** The sizes a part may have (all but the last at least {@code minPartSize}) and how many parts at most. */
    record Limits(long minPartSize, long maxPartSize, int maxParts) {
    }

    /** A part as the store holds it. */
    record Part(int partNumber, long size, String etag) {
    }

    /** A part as the client names it on complete: its number and the ETag its PUT answered. */
    record CompletedPart(int partNumber, String etag) {
    }

    Limits partLimits();

    /** Starts an upload of an object of {@code size} bytes at {@code key}; answers the store's upload id. */
    Uni<String> startMultipart(StorageKey key, String contentType, long size);

    /** A URL that PUTs exactly {@code partSize} bytes as part {@code partNumber} of the upload, and its headers. */
    Uni<SignedRequest> presignPart(StorageKey key, String uploadId, int partNumber, long partSize, Duration ttl);

    /** The parts the store holds for the upload, by part number. */
    Uni<List<Part>> listParts(StorageKey key, String uploadId);

    /**
     * Assembles the named parts, in order, into the object at {@code key}. Refuses ({@code INVALID})
     * a missing part, a part whose ETag differs or parts that do not add up to {@code size}; with
     * {@code sha256} (null when none was declared) the local store also checks the digest.
     */
    Uni<ObjectInfo> completeMultipart(StorageKey key, String uploadId, List<CompletedPart> parts, long size, String sha256);

    /** Drops the upload and its parts; an upload the store no longer knows is no failure. */
    Uni<Void> abortMultipart(StorageKey key, String uploadId);

    /**
     * Drops every upload the store holds at {@code key}, whatever its id: for a write the service
     * streamed itself, recorded before the store answered the upload's id, that a crash cut short.
     */
    Uni<Void> abortAllAt(StorageKey key);

    /**
     * The ids of the uploads the store holds at exactly {@code key}, for a client's start a crash cut
     * short: its upload is the one no record names. A store whose uploads name no key answers none.
     */
    Uni<List<String>> uploadsAt(StorageKey key);
}
