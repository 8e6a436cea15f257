package io.artifactstore.provider.s3;

import io.artifactstore.provider.CallerContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Streams a body of known length into one object by S3 multipart upload, holding one part in memory
 * at a time: the next bytes are not asked for while a part is being sent, so a slow store slows the
 * sender down instead of filling the heap. Any failure or cancellation aborts the upload, so the
 * store keeps no parts and shows no object. One instance per write.
 */
final class MultipartStreamWrite {

    /** S3's limits: at most 10,000 parts, each at least 5 MiB but the last. */
    static final int MAX_PARTS = 10_000;
    static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    private final S3AsyncClient client;
    private final CreateMultipartUploadRequest create;
    private final boolean conditional;
    private final long size;
    private final ByteBuffer part;
    private final List<CompletedPart> completed = new ArrayList<>();
    private long sent;
    private String uploadId;

    MultipartStreamWrite(S3AsyncClient client, CreateMultipartUploadRequest create, boolean conditional, long size, long partSize) {
        this.client = client;
        this.create = create;
        this.conditional = conditional;
        this.size = size;
        this.part = ByteBuffer.allocate((int) Math.min(size, partSize(size, partSize)));
    }

    /** The configured part size, grown when needed to fit the object in 10,000 parts; never below S3's minimum. */
    static long partSize(long size, long configured) {
        long fitting = (size + MAX_PARTS - 1) / MAX_PARTS;
        long partSize = Math.max(Math.max(configured, MIN_PART_SIZE), fitting);
        if (partSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("An object of " + size + " bytes needs parts larger than one buffer can hold");
        }
        return partSize;
    }

    /** Writes the body, which must already be held to {@code size} bytes; completes once the object is visible. */
    Uni<Void> write(Multi<ByteBuffer> body) {
        return call(() -> client.createMultipartUpload(create))
                .invoke(created -> uploadId = created.uploadId())
                .chain(created -> body.onItem().call(this::take).collect().last())
                .chain(ignored -> complete())
                .onFailure().call(this::abort)
                .onCancellation().call(this::abort);
    }

    /** Copies the chunk into the part; each part that fills up is sent before more bytes are taken. */
    private Uni<Void> take(ByteBuffer chunk) {
        ByteBuffer source = chunk.duplicate();
        if (!source.hasRemaining()) {
            return Uni.createFrom().voidItem();
        }
        int n = Math.min(source.remaining(), part.remaining());
        ByteBuffer slice = source.slice();
        slice.limit(n);
        part.put(slice);
        source.position(source.position() + n);
        if (part.hasRemaining()) {
            return Uni.createFrom().voidItem();
        }
        return sendPart().chain(() -> source.hasRemaining() ? take(source) : Uni.createFrom().voidItem());
    }

    private Uni<Void> sendPart() {
        part.flip();
        int length = part.remaining();
        int number = completed.size() + 1;
        // Unsafe: no copy of the part; the buffer is refilled only once the store has acknowledged it.
        AsyncRequestBody partBody = AsyncRequestBody.fromByteBufferUnsafe(part);
        return call(() -> client.uploadPart(r -> r.bucket(create.bucket()).key(create.key()).uploadId(uploadId)
                        .partNumber(number).contentLength((long) length), partBody))
                .invoke(uploaded -> {
                    completed.add(CompletedPart.builder().partNumber(number).eTag(uploaded.eTag()).build());
                    sent += length;
                    part.clear();
                    part.limit((int) Math.min(part.capacity(), size - sent));
                })
                .replaceWithVoid();
    }

    private Uni<Void> complete() {
        return call(() -> client.completeMultipartUpload(r -> {
            r.bucket(create.bucket()).key(create.key()).uploadId(uploadId).multipartUpload(m -> m.parts(completed));
            if (conditional) {
                r.ifNoneMatch("*");
            }
        })).replaceWithVoid();
    }

    /**
     * Best effort: an abort that fails (or never runs, the process killed) leaves parts that the
     * caller's record of the write lets the expiry reaper abort ({@code StorageProvider#writesInParts}).
     */
    private Uni<Void> abort() {
        if (uploadId == null) {
            return Uni.createFrom().voidItem();
        }
        return call(() -> client.abortMultipartUpload(r -> r.bucket(create.bucket()).key(create.key()).uploadId(uploadId)))
                .replaceWithVoid().onFailure().recoverWithNull();
    }

    /** Each answer of the store resumes on the caller's context, where the body's next bytes are asked for. */
    private static <T> Uni<T> call(Supplier<CompletableFuture<T>> request) {
        return CallerContext.resumeOnCaller(Uni.createFrom().completionStage(request)
                .onFailure().transform(S3StorageProvider::typed));
    }
}
