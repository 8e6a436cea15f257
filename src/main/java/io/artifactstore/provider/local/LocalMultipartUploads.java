package io.artifactstore.provider.local;

import io.artifactstore.core.Checksums;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.provider.ObjectInfo;
import io.artifactstore.provider.SignedRequest;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.file.OpenOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The local provider's multipart uploads, shaped like S3's: each upload is a folder under the
 * staging area ({@code .incoming/multipart/<uploadId>/<partNumber>}), each part arrives through a
 * signed URL of its own and is written atomically like any upload (its ETag is its sha256), and
 * complete streams the named parts in order through the same atomic writer as a single PUT, with the
 * same size and sha256 checks, before the folder goes.
 */
final class LocalMultipartUploads implements MultipartUploads {

    /** The same limits as S3, so a client behaves alike on every provider. */
    static final Limits LIMITS = new Limits(5L << 20, 5L << 30, 10_000);
    private static final Pattern UPLOAD_ID = Pattern.compile("[0-9A-HJKMNP-TV-Z]{26}");
    private static final Pattern PART_FILE = Pattern.compile("[1-9][0-9]{0,4}");
    private static final int READ_BUFFER = 256 * 1024;

    private final LocalStorageProvider provider;
    private final Path uploads;
    private final Vertx vertx;
    private final AtomicFileWriter writer;
    private final DiskFailures failures;

    LocalMultipartUploads(LocalStorageProvider provider, Path uploads, Vertx vertx, AtomicFileWriter writer, DiskFailures failures) {
        this.provider = provider;
        this.uploads = uploads;
        this.vertx = vertx;
        this.writer = writer;
        this.failures = failures;
    }

    @Override
    public Limits partLimits() {
        return LIMITS;
    }

    @Override
    public Uni<String> startMultipart(StorageKey key, String contentType, long size) {
        String uploadId = Ulid.next();
        return vertx.fileSystem().mkdirs(uploads.resolve(uploadId).toString())
                .onFailure().transform(failures::typed)
                .replaceWith(uploadId);
    }

    @Override
    public Uni<SignedRequest> presignPart(StorageKey key, String uploadId, int partNumber, long partSize, Duration ttl) {
        Instant expiresAt = provider.expiry(ttl);
        var fields = new LocalUrlSignature.Fields("PUT", provider.name(), key, expiresAt.getEpochSecond(),
                Long.toString(partSize), "", "", "", uploadId, Integer.toString(partNumber));
        return provider.signed("PUT", fields, Map.of(), expiresAt);
    }

    /** Where a part's bytes go; the id and number come from a verified signature, and are checked again. */
    Path partPath(String uploadId, String partNumber) {
        return folder(uploadId).resolve(partNumber);
    }

    Uni<ObjectInfo> writePart(String uploadId, String partNumber, long size, Multi<Buffer> body) {
        try {
            return writer.writePart(partPath(uploadId, partNumber), body, size);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
    }

    @Override
    public Uni<List<Part>> listParts(StorageKey key, String uploadId) {
        return Uni.createFrom().deferred(() -> {
            Path folder = folder(uploadId);
            return vertx.executeBlocking(Uni.createFrom().item(() -> held(folder)));
        });
    }

    @Override
    public Uni<ObjectInfo> completeMultipart(StorageKey key, String uploadId, List<CompletedPart> parts, long size, String sha256) {
        return Uni.createFrom().deferred(() -> {
            Path folder = folder(uploadId);
            Path target = provider.pathOf(key);
            return vertx.executeBlocking(Uni.createFrom().item(() -> checked(folder, parts, size)))
                    .chain(files -> writer.write(target, concatenated(files, parts), size, sha256))
                    .call(() -> vertx.fileSystem().deleteRecursive(folder.toString()).onFailure().recoverWithNull());
        });
    }

    @Override
    public Uni<Void> abortMultipart(StorageKey key, String uploadId) {
        return Uni.createFrom().deferred(() -> vertx.fileSystem().deleteRecursive(folder(uploadId).toString())
                .onFailure(LocalStorageProvider::isMissingFile).recoverWithNull()
                .onFailure().transform(failures::typed));
    }

    /**
     * Nothing to do: the local provider's own writes never go in parts, and an upload's folder names
     * no key; a folder no row names is swept with the incoming area's other leftovers.
     */
    @Override
    public Uni<Void> abortAllAt(StorageKey key) {
        return Uni.createFrom().voidItem();
    }

    /**
     * None, for the same reason: an upload's folder names no key. A start a crash cut short leaves a
     * folder no row names, which the incoming sweep removes once no upload can write there.
     */
    @Override
    public Uni<List<String>> uploadsAt(StorageKey key) {
        return Uni.createFrom().item(List.of());
    }

    private Path folder(String uploadId) {
        if (uploadId == null || !UPLOAD_ID.matcher(uploadId).matches()) {
            throw noSuchUpload();
        }
        return uploads.resolve(uploadId);
    }

    /** The parts in the folder, by number. Blocking. */
    private static List<Part> held(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw noSuchUpload();
        }
        List<Part> parts = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (!PART_FILE.matcher(name).matches()) {
                    continue;
                }
                StoredFile.of(file).ifPresent(stored -> parts.add(new Part(Integer.parseInt(name), stored.size(),
                        '"' + (stored.sha256() != null ? stored.sha256() : sha256Of(file)) + '"')));
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw noSuchUpload();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        parts.sort(Comparator.comparingInt(Part::partNumber));
        return parts;
    }

    /**
     * The files of the named parts, in order, once they are all there, numbered in ascending order,
     * at least the minimum part size but the last, and adding up to the declared size. Blocking.
     */
    private List<Path> checked(Path folder, List<CompletedPart> parts, long size) {
        if (!Files.isDirectory(folder)) {
            throw noSuchUpload();
        }
        if (parts.isEmpty()) {
            throw StoreFailure.invalidField("parts", "At least one part is needed");
        }
        List<Path> files = new ArrayList<>();
        long total = 0;
        int previous = 0;
        for (int i = 0; i < parts.size(); i++) {
            CompletedPart part = parts.get(i);
            if (part.partNumber() <= previous) {
                throw StoreFailure.invalidField("parts", "Parts must be listed in ascending order of their numbers, each once");
            }
            previous = part.partNumber();
            Path file = folder.resolve(Integer.toString(part.partNumber()));
            long partSize = StoredFile.of(file).orElseThrow(() -> StoreFailure.invalidField("parts",
                    "Part " + part.partNumber() + " has not been uploaded")).size();
            if (partSize < LIMITS.minPartSize() && i < parts.size() - 1) {
                throw StoreFailure.invalidField("parts", "Part " + part.partNumber() + " is smaller than "
                        + LIMITS.minPartSize() + " bytes, and only the last part may be");
            }
            total += partSize;
            files.add(file);
        }
        if (total != size) {
            throw StoreFailure.invalidField("parts", "The parts hold " + total + " bytes, " + size + " were declared");
        }
        return files;
    }

    /** The parts' bytes one after another, each checked against the ETag the client named for it. */
    private Multi<Buffer> concatenated(List<Path> files, List<CompletedPart> parts) {
        return Multi.createFrom().range(0, files.size()).onItem().transformToMultiAndConcatenate(i -> {
            MessageDigest digest = Checksums.sha256();
            String expected = unquoted(parts.get(i).etag());
            int number = parts.get(i).partNumber();
            return vertx.fileSystem().open(files.get(i).toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
                    // An abort (a delete of the artifact, a new ticket) removed the parts after they were checked.
                    .onFailure(LocalStorageProvider::isMissingFile).transform(e -> noSuchUpload())
                    .onItem().transformToMulti(file -> file.setReadBufferSize(READ_BUFFER).toMulti()
                            .onTermination().call(() -> file.close().onFailure().recoverWithNull()))
                    .onItem().invoke(buffer -> digest.update(buffer.getDelegate().getByteBuf().nioBuffer()))
                    .onCompletion().call(() -> HexFormat.of().formatHex(digest.digest()).equals(expected)
                            ? Uni.createFrom().voidItem()
                            : Uni.createFrom().failure(StoreFailure.invalidField("parts", "Part " + number + " has another ETag")));
        });
    }

    private static String sha256Of(Path file) {
        MessageDigest digest = Checksums.sha256();
        byte[] chunk = new byte[READ_BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(chunk)) > 0; ) {
                digest.update(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String unquoted(String etag) {
        String e = etag == null ? "" : etag.strip();
        return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"") ? e.substring(1, e.length() - 1) : e;
    }

    private static StoreFailure noSuchUpload() {
        return StoreFailure.of(StoreFailure.Kind.NOT_FOUND, "No such multipart upload");
    }
}
