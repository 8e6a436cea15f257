package io.artifactstore.provider.s3;

import io.artifactstore.core.StorageKey;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.provider.ObjectInfo;
import io.artifactstore.provider.SignedRequest;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * S3's own multipart upload: the service creates, lists, completes and aborts through the async
 * client; clients PUT the parts straight to the store with SigV4 presigned UploadPart URLs, each
 * bound to its upload id, part number and exact length.
 */
final class S3MultipartUploads implements MultipartUploads {

    /** AWS S3's limits: parts of 5 MiB (all but the last) to 5 GiB, at most 10,000 of them. */
    static final Limits LIMITS = new Limits(5L << 20, 5L << 30, 10_000);

    private final S3Settings settings;
    private final S3AsyncClient client;
    private final SigV4Presigner presigner;
    private final Function<StorageKey, String> objectKey;

    S3MultipartUploads(S3Settings settings, S3AsyncClient client, SigV4Presigner presigner, Function<StorageKey, String> objectKey) {
        this.settings = settings;
        this.client = client;
        this.presigner = presigner;
        this.objectKey = objectKey;
    }

    @Override
    public Limits partLimits() {
        return LIMITS;
    }

    @Override
    public Uni<String> startMultipart(StorageKey key, String contentType, long size) {
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(settings.bucket()).key(objectKey.apply(key)).contentType(contentType);
        settings.serverSideEncryption().ifPresent(create::serverSideEncryption);
        settings.kmsKeyId().ifPresent(create::ssekmsKeyId);
        return S3StorageProvider.call(() -> client.createMultipartUpload(create.build())).map(created -> created.uploadId());
    }

    @Override
    public Uni<SignedRequest> presignPart(StorageKey key, String uploadId, int partNumber, long partSize, Duration ttl) {
        // The length is signed: the store refuses a part of another size.
        Map<String, String> signed = new HashMap<>();
        signed.put("content-length", Long.toString(partSize));
        SigV4Presigner.Presigned presigned = presigner.presign("PUT", objectKey.apply(key), signed,
                Map.of("partNumber", Integer.toString(partNumber), "uploadId", uploadId), ttl);
        return Uni.createFrom().item(new SignedRequest("PUT", presigned.url(), Map.of(), presigned.expiresAt()));
    }

    @Override
    public Uni<List<Part>> listParts(StorageKey key, String uploadId) {
        return listFrom(key, uploadId, 0, new ArrayList<>());
    }

    /** ListParts answers at most 1,000 parts a page: follow the marker to the end. */
    private Uni<List<Part>> listFrom(StorageKey key, String uploadId, int marker, List<Part> found) {
        return S3StorageProvider.call(() -> client.listParts(r -> r.bucket(settings.bucket()).key(objectKey.apply(key))
                        .uploadId(uploadId).partNumberMarker(marker)))
                .chain(page -> {
                    page.parts().forEach(p -> found.add(new Part(p.partNumber(), p.size(), p.eTag())));
                    return nextMarker(page) == null ? Uni.createFrom().item(found) : listFrom(key, uploadId, nextMarker(page), found);
                });
    }

    private static Integer nextMarker(ListPartsResponse page) {
        return Boolean.TRUE.equals(page.isTruncated()) && page.nextPartNumberMarker() != null ? page.nextPartNumberMarker() : null;
    }

    /**
     * Checks the named parts against what the store holds before assembling them, so a missing
     * part, another ETag or a wrong total is refused while the parts can still be fixed, not after
     * a wrong object exists.
     */
    @Override
    public Uni<ObjectInfo> completeMultipart(StorageKey key, String uploadId, List<MultipartUploads.CompletedPart> parts,
                                             long size, String sha256) {
        return listParts(key, uploadId).chain(held -> {
            Map<Integer, Part> byNumber = new HashMap<>();
            held.forEach(p -> byNumber.put(p.partNumber(), p));
            long total = 0;
            for (MultipartUploads.CompletedPart named : parts) {
                Part part = byNumber.get(named.partNumber());
                if (part == null) {
                    return Uni.createFrom().failure(StoreFailure.invalidField("parts", "Part " + named.partNumber() + " has not been uploaded"));
                }
                if (!unquoted(part.etag()).equals(unquoted(named.etag()))) {
                    return Uni.createFrom().failure(StoreFailure.invalidField("parts", "Part " + named.partNumber() + " has another ETag"));
                }
                total += part.size();
            }
            if (total != size) {
                return Uni.createFrom().failure(StoreFailure.invalidField("parts",
                        "The parts hold " + total + " bytes, " + size + " were declared"));
            }
            List<software.amazon.awssdk.services.s3.model.CompletedPart> completed = parts.stream()
                    .map(p -> software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(p.partNumber()).eTag(byNumber.get(p.partNumber()).etag()).build())
                    .toList();
            long declared = total;
            return S3StorageProvider.call(() -> client.completeMultipartUpload(r -> r.bucket(settings.bucket())
                            .key(objectKey.apply(key)).uploadId(uploadId)
                            // Write once, as a single PUT: the store refuses (412) to replace an object at the key.
                            .ifNoneMatch(settings.conditionalWrites() ? "*" : null)
                            .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build())))
                    .map(done -> new ObjectInfo(declared, null));
        });
    }

    @Override
    public Uni<Void> abortMultipart(StorageKey key, String uploadId) {
        return S3StorageProvider.call(() -> client.abortMultipartUpload(r -> r.bucket(settings.bucket())
                        .key(objectKey.apply(key)).uploadId(uploadId)))
                .replaceWithVoid()
                .onFailure(failure -> StoreFailure.is(failure, StoreFailure.Kind.NOT_FOUND)).recoverWithNull();
    }

    /** Aborts what {@link #uploadsAt} lists. */
    @Override
    public Uni<Void> abortAllAt(StorageKey key) {
        return uploadsAt(key).chain(ids -> ids.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(ids.stream().map(id -> abortMultipart(key, id)).toList()).andFailFast().replaceWithVoid());
    }

    /**
     * Lists the uploads under the key's name, keeping those at exactly that key, a page at a time
     * (ListMultipartUploads answers at most 1,000 a page).
     */
    @Override
    public Uni<List<String>> uploadsAt(StorageKey key) {
        return uploadsFrom(objectKey.apply(key), null, null, new ArrayList<>());
    }

    private Uni<List<String>> uploadsFrom(String name, String keyMarker, String uploadIdMarker, List<String> found) {
        return S3StorageProvider.call(() -> client.listMultipartUploads(r -> r.bucket(settings.bucket()).prefix(name)
                        .keyMarker(keyMarker).uploadIdMarker(uploadIdMarker)))
                .chain(page -> {
                    page.uploads().stream().filter(upload -> name.equals(upload.key())).forEach(upload -> found.add(upload.uploadId()));
                    boolean more = Boolean.TRUE.equals(page.isTruncated()) && page.nextKeyMarker() != null;
                    return more ? uploadsFrom(name, page.nextKeyMarker(), page.nextUploadIdMarker(), found) : Uni.createFrom().item(found);
                });
    }

    static String unquoted(String etag) {
        String e = etag == null ? "" : etag.strip();
        return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
    }
}
