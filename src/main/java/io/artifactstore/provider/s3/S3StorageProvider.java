package io.artifactstore.provider.s3;

import io.artifactstore.core.Checksums;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.provider.DownloadTarget;
import io.artifactstore.provider.ExactLength;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.provider.ObjectInfo;
import io.artifactstore.provider.ObjectListing;
import io.artifactstore.provider.ObjectNotFoundException;
import io.artifactstore.provider.ServerSideCopy;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.provider.UploadTarget;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import mutiny.zero.flow.adapters.AdaptersToFlow;
import mutiny.zero.flow.adapters.AdaptersToReactiveStreams;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Any S3-compatible store. Clients upload and download with the store's own SigV4 presigned URLs,
 * so the bytes never pass through the service; the service only checks objects (HEAD), deletes and
 * copies them, and streams them for workers. One async client and one presigner per provider.
 */
public final class S3StorageProvider implements StorageProvider, ServerSideCopy, AutoCloseable {

    public static final String TYPE = "s3";
    /** The largest object S3 accepts in one PUT. */
    static final long SINGLE_PUT_LIMIT = 5L * 1024 * 1024 * 1024;

    private final String name;
    private final S3Settings settings;
    private final S3AsyncClient client;
    private final SigV4Presigner presigner;
    private final Clock clock;
    private final MultipartUploads multipart;
    private final ObjectListing listing;

    S3StorageProvider(String name, S3Settings settings, S3AsyncClient client, SigV4Presigner presigner, Clock clock) {
        this.name = name;
        this.settings = settings;
        this.client = client;
        this.presigner = presigner;
        this.clock = clock;
        this.multipart = new S3MultipartUploads(settings, client, presigner, this::objectKey);
        this.listing = new S3ObjectListing(settings, client);
    }

    @Override
    public <A> Optional<A> ability(Class<A> kind) {
        if (kind == ObjectListing.class) {
            return Optional.of(kind.cast(listing));
        }
        return kind == MultipartUploads.class ? Optional.of(kind.cast(multipart)) : StorageProvider.super.ability(kind);
    }

    @Override
    public long maxSinglePutSize() {
        return settings.maxSinglePutSize();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Uni<SignedRequest> presignUpload(UploadTarget target) {
        // S3 itself then refuses another type or length: both are signed.
        Map<String, String> clientHeaders = new LinkedHashMap<>();
        clientHeaders.put("Content-Type", target.contentType());
        settings.serverSideEncryption().ifPresent(sse -> clientHeaders.put("x-amz-server-side-encryption", sse));
        settings.kmsKeyId().ifPresent(id -> clientHeaders.put("x-amz-server-side-encryption-aws-kms-key-id", id));
        if (settings.conditionalWrites()) {
            // Write once: the store refuses (412) a second PUT on the key, so nobody holding this URL
            // can replace the bytes once they are there, let alone once they are verified.
            clientHeaders.put("If-None-Match", "*");
        }
        if (settings.checksumHeaders() && target.sha256() != null) {
            // The store itself then refuses bytes of another digest, without the service reading them back.
            clientHeaders.put("x-amz-checksum-sha256", Base64.getEncoder().encodeToString(HexFormat.of().parseHex(target.sha256())));
            clientHeaders.put("x-amz-sdk-checksum-algorithm", "SHA256");
        }
        Map<String, String> signed = new HashMap<>();
        clientHeaders.forEach((header, value) -> signed.put(header.toLowerCase(Locale.ROOT), value));
        signed.put("content-length", Long.toString(target.size()));
        SigV4Presigner.Presigned presigned = presigner.presign("PUT", objectKey(target.key()), signed, Map.of(), target.ttl());
        return Uni.createFrom().item(new SignedRequest("PUT", presigned.url(), clientHeaders, presigned.expiresAt()));
    }

    @Override
    public Uni<SignedRequest> presignDownload(DownloadTarget target) {
        if (settings.publicUrl().isPresent()) {
            // A public bucket behind a CDN: the URL does not expire; expiresAt says how long to rely on it.
            return Uni.createFrom().item(new SignedRequest("GET", settings.publicUrl().get() + objectKey(target.key()),
                    Map.of(), clock.instant().plus(target.ttl())));
        }
        Map<String, String> overrides = new HashMap<>();
        if (settings.responseOverrides()) {
            overrides.put("response-content-type", target.contentType());
            if (target.contentDisposition() != null) {
                overrides.put("response-content-disposition", target.contentDisposition());
            }
        }
        SigV4Presigner.Presigned presigned = presigner.presign("GET", objectKey(target.key()), Map.of(), overrides, target.ttl());
        return Uni.createFrom().item(new SignedRequest("GET", presigned.url(), Map.of(), presigned.expiresAt()));
    }

    @Override
    public Uni<Optional<ObjectInfo>> stat(StorageKey key) {
        // With checksum headers, the store may hold the sha256 it checked on upload: then complete need not read the object back.
        return call(() -> client.headObject(r -> r.bucket(settings.bucket()).key(objectKey(key))
                        .checksumMode(settings.checksumHeaders() ? ChecksumMode.ENABLED : null)))
                .map(head -> Optional.of(new ObjectInfo(head.contentLength(), sha256Hex(head.checksumSHA256()))))
                .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.NOT_FOUND)
                        || StoreFailure.is(failure, StoreFailure.Kind.MISCONFIGURED)).recoverWithItem(Optional.empty());
    }

    @Override
    public Uni<Void> delete(StorageKey key) {
        return call(() -> client.deleteObject(r -> r.bucket(settings.bucket()).key(objectKey(key)))).replaceWithVoid();
    }

    /**
     * One PUT up to {@code stream-multipart-threshold} (S3 refuses a single PUT over 5 GiB), multipart
     * above it; either way the body streams through with back-pressure and a failed body stores nothing.
     * The sha256 is computed on the way, as the store keeps none we could ask for afterwards.
     */
    @Override
    public Uni<ObjectInfo> write(StorageKey key, String contentType, long size, Multi<ByteBuffer> body) {
        return Uni.createFrom().deferred(() -> {
            MessageDigest digest = Checksums.sha256();
            Multi<ByteBuffer> bytes = ExactLength.of(size, body).onItem().invoke(buffer -> digest.update(buffer.duplicate()));
            Uni<?> stored;
            if (writesInParts(size)) {
                stored = new MultipartStreamWrite(client, createRequest(key, contentType), settings.conditionalWrites(), size,
                        settings.streamPartSize()).write(bytes);
            } else {
                AsyncRequestBody requestBody = AsyncRequestBody.fromPublisher(AdaptersToReactiveStreams.publisher(bytes));
                stored = call(() -> client.putObject(putRequest(key, contentType, size), requestBody));
            }
            return stored.map(ignored -> new ObjectInfo(size, HexFormat.of().formatHex(digest.digest())));
        });
    }

    /** One part of the multipart upload a large body streams through; a single PUT streams with nothing held. */
    @Override
    public long writeBufferSize(long size) {
        return writesInParts(size) ? Math.min(size, MultipartStreamWrite.partSize(size, settings.streamPartSize())) : 0;
    }

    @Override
    public boolean writesInParts(long size) {
        return size > Math.min(settings.streamMultipartThreshold(), SINGLE_PUT_LIMIT);
    }

    @Override
    public Multi<ByteBuffer> read(StorageKey key) {
        return call(() -> client.getObject(r -> r.bucket(settings.bucket()).key(objectKey(key)),
                AsyncResponseTransformer.toPublisher()))
                .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.NOT_FOUND)
                        || StoreFailure.is(failure, StoreFailure.Kind.MISCONFIGURED))
                .transform(e -> new ObjectNotFoundException(key.toString()))
                .onItem().transformToMulti(response -> Multi.createFrom().publisher(AdaptersToFlow.publisher(response)))
                .onFailure(failure -> !(failure instanceof StoreFailure)).transform(S3StorageProvider::typed); // mid-stream
    }

    /** A Range GET: only the asked bytes travel. */
    @Override
    public Uni<byte[]> read(StorageKey key, long offset, int length) {
        if (length <= 0) {
            return Uni.createFrom().item(new byte[0]);
        }
        return call(() -> client.getObject(r -> r.bucket(settings.bucket()).key(objectKey(key))
                        .range("bytes=" + offset + "-" + (offset + length - 1)), AsyncResponseTransformer.toBytes()))
                .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.NOT_FOUND)
                        || StoreFailure.is(failure, StoreFailure.Kind.MISCONFIGURED))
                .transform(e -> new ObjectNotFoundException(key.toString()))
                .map(response -> response.asByteArrayUnsafe())
                .onFailure(S3StorageProvider::rangeNotSatisfiable).recoverWithItem(() -> new byte[0]); // starts at or past the end
    }

    /** S3's 416: the range starts at or past the object's end (or the object is empty). */
    private static boolean rangeNotSatisfiable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof S3Exception e && e.statusCode() == 416) {
                return true;
            }
        }
        return false;
    }

    /** HEAD on the bucket: a 404 there means the bucket itself is missing, which no retry cures. */
    @Override
    public Uni<Void> probe() {
        return call(() -> client.headBucket(r -> r.bucket(settings.bucket()))).replaceWithVoid()
                .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.NOT_FOUND)
                        || StoreFailure.is(failure, StoreFailure.Kind.MISCONFIGURED))
                .transform(failure -> StoreFailure.bucketMissing(settings.bucket()));
    }

    @Override
    public Uni<Void> copy(StorageKey from, StorageKey to) {
        return call(() -> client.copyObject(r -> r.sourceBucket(settings.bucket()).sourceKey(objectKey(from))
                .destinationBucket(settings.bucket()).destinationKey(objectKey(to)))).replaceWithVoid();
    }

    /** Checksums are not stored by S3-compatible stores alike: {@code complete} reads objects back up to this size. */
    @Override
    public long digestReadLimit() {
        return settings.verifyMaxSize();
    }

    @Override
    public void close() throws Exception {
        client.close();
        presigner.close();
    }

    /**
     * The store's full-object sha256 as hex, or null: none was stored, or it is a checksum of the
     * parts' checksums ("...-N", from a multipart upload), which is no digest of the bytes.
     */
    static String sha256Hex(String base64) {
        if (base64 == null || base64.contains("-")) {
            return null;
        }
        try {
            byte[] digest = Base64.getDecoder().decode(base64);
            return digest.length == 32 ? HexFormat.of().formatHex(digest) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The object name: the provider's prefix, then the artifact's storage key. */
    String objectKey(StorageKey key) {
        return settings.prefix() + key;
    }

    private CreateMultipartUploadRequest createRequest(StorageKey key, String contentType) {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(settings.bucket())
                .key(objectKey(key)).contentType(contentType);
        settings.serverSideEncryption().ifPresent(create::serverSideEncryption);
        settings.kmsKeyId().ifPresent(create::ssekmsKeyId);
        return create.build();
    }

    private PutObjectRequest putRequest(StorageKey key, String contentType, long size) {
        PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(settings.bucket()).key(objectKey(key))
                .contentType(contentType).contentLength(size);
        settings.serverSideEncryption().ifPresent(put::serverSideEncryption);
        settings.kmsKeyId().ifPresent(put::ssekmsKeyId);
        if (settings.conditionalWrites()) {
            put.ifNoneMatch("*");
        }
        return put.build();
    }

    static <T> Uni<T> call(Supplier<CompletableFuture<T>> request) {
        return Uni.createFrom().completionStage(request).onFailure().transform(S3StorageProvider::typed);
    }

    /**
     * The SDK's failure as a kind: a missing object, a key written already (the only precondition we
     * send), a store that is full (507), down, slow or throttling (temporary), or one that refuses us. A failure
     * of ours that travelled through the SDK, such as a body of the wrong length, comes back as it
     * was; anything else is a bug and stays what it is.
     */
    static Throwable typed(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StoreFailure ours) {
                return ours;
            }
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof NoSuchBucketException || (cause instanceof S3Exception e && e.awsErrorDetails() != null
                && "NoSuchBucket".equals(e.awsErrorDetails().errorCode()))) {
            return StoreFailure.of(StoreFailure.Kind.MISCONFIGURED, "The provider's bucket does not exist");
        }
        if (cause instanceof NoSuchKeyException || (cause instanceof S3Exception e && e.statusCode() == 404)) {
            return StoreFailure.of(StoreFailure.Kind.NOT_FOUND, "No object at this key");
        }
        if (cause instanceof S3Exception e && e.statusCode() == 412) {
            return StoreFailure.of(StoreFailure.Kind.ALREADY_EXISTS, "An object is already stored at this key");
        }
        if (cause instanceof S3Exception e && e.statusCode() == 507) { // MinIO's XMinioStorageFull, S3's InsufficientStorage
            return StoreFailure.noSpace(e);
        }
        if (cause instanceof S3Exception e) {
            boolean temporary = e.statusCode() >= 500 || e.statusCode() == 429 || e.isThrottlingException();
            return temporary ? StoreFailure.unavailable(e) : StoreFailure.refused(e);
        }
        if (cause instanceof software.amazon.awssdk.core.exception.SdkClientException || cause instanceof java.io.IOException) {
            return StoreFailure.unavailable(cause);
        }
        return cause;
    }
}
