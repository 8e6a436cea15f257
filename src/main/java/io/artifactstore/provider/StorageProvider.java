package io.artifactstore.provider;

import io.artifactstore.core.StorageKey;
import io.artifactstore.core.StoreFailure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * One storage backend. Every operation is non-blocking; providers know nothing of the database,
 * routing or resilience, which are layered around them. Optional abilities are separate interfaces.
 * Operations fail their {@code Uni} rather than throw, and report what went wrong as a
 * {@link StoreFailure} of the right kind, temporary or not (a connection error, a timeout, a 5xx or
 * throttling is {@link StoreFailure#unavailable(Throwable) unavailable}): the resilience layer retries
 * and counts exactly the temporary ones, and the API alone decides what a kind looks like in HTTP.
 */
public interface StorageProvider {

    /** The configured name, as in {@code artifact-store.providers.<name>}. */
    String name();

    /** The provider type, such as {@code local} or {@code s3}. */
    String type();

    /** A URL that lets the client PUT exactly the declared bytes, and the headers it must send. */
    Uni<SignedRequest> presignUpload(UploadTarget target);

    /** A URL that lets the client GET the object until it expires. */
    Uni<SignedRequest> presignDownload(DownloadTarget target);

    /** What is stored at the key, or empty when nothing is. */
    Uni<Optional<ObjectInfo>> stat(StorageKey key);

    /** Removes the object; removing a missing object succeeds. */
    Uni<Void> delete(StorageKey key);

    /**
     * Streams exactly {@code size} bytes into the object; a body of another length stores nothing.
     * Answers their size and sha256, computed on the way: callers need not digest the body themselves.
     */
    Uni<ObjectInfo> write(StorageKey key, String contentType, long size, Multi<ByteBuffer> body);

    /** Streams the object's bytes; fails with {@link ObjectNotFoundException} when there is none. */
    Multi<ByteBuffer> read(StorageKey key);

    /**
     * Up to {@code length} bytes from {@code offset} (fewer at the end of the object); fails with
     * {@link ObjectNotFoundException} when there is none. By default reads the stream and stops once
     * it has enough; providers with a real ranged read override it.
     */
    default Uni<byte[]> read(StorageKey key, long offset, int length) {
        return FirstBytes.of(read(key), offset, length);
    }

    /**
     * An optional ability of this provider, such as {@link ServerSideCopy}, when it has it. Callers
     * ask for an ability rather than test the provider's class, so layers around a provider can
     * expose exactly the abilities of what they wrap.
     */
    default <A> Optional<A> ability(Class<A> kind) {
        return kind.isInstance(this) ? Optional.of(kind.cast(this)) : Optional.empty();
    }

    /**
     * Whether {@link #write} of {@code size} bytes starts a multipart upload on the store (see
     * {@link MultipartUploads#abortAllAt}): its caller records it first, so that the parts of a write
     * a crash cut short are aborted later, not left to cost money.
     */
    default boolean writesInParts(long size) {
        return false;
    }

    /** Succeeds when the backend is reachable and usable, for readiness checks. */
    Uni<Void> probe();

    /**
     * The largest object {@code complete} reads back to check a declared sha256 when {@link #stat}
     * reports none; larger objects are checked by size alone.
     */
    default long digestReadLimit() {
        return Long.MAX_VALUE;
    }

    /**
     * The heap a {@link #write} of {@code size} bytes holds while it runs, beyond a chunk in flight:
     * S3 streams a large body as multipart, one part in memory at a time. The service admits such
     * writes within a global budget, before it reads their bodies.
     */
    default long writeBufferSize(long size) {
        return 0;
    }

    /**
     * The largest object one signed PUT may upload here (AWS S3 refuses more than 5 GiB); larger
     * ones go through {@link MultipartUploads}. No ticket is issued that the store would refuse.
     */
    default long maxSinglePutSize() {
        return Long.MAX_VALUE;
    }
}
