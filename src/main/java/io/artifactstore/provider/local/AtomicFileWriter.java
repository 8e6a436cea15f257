package io.artifactstore.provider.local;

import io.artifactstore.core.Checksums;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.ObjectInfo;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.file.OpenOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Streams a body into a file without holding it in memory: bytes go to a temp file beside the store
 * while their count and sha256 are kept, and only an exact, intact body is renamed into place
 * atomically. A half-written or rejected upload is never visible at its key and leaves nothing behind.
 */
final class AtomicFileWriter {

    /** Extended attribute holding the sha256 computed while writing, so stat need not re-read the file. */
    static final String SHA256_ATTRIBUTE = "artifact-store.sha256";

    private final Vertx vertx;
    private final Path incoming;
    private final DiskFailures failures;

    AtomicFileWriter(Vertx vertx, Path incoming, DiskFailures failures) {
        this.vertx = vertx;
        this.incoming = incoming;
        this.failures = failures;
    }

    /**
     * Writes exactly {@code expectedSize} bytes to {@code target}. Too many bytes fail as soon as they
     * arrive ({@code TOO_LARGE}), too few at the end ({@code WRONG_LENGTH}), and a digest other than
     * {@code expectedSha256} (when not null) with {@code BAD_CHECKSUM}; nothing is stored then.
     */
    Uni<ObjectInfo> write(Path target, Multi<Buffer> body, long expectedSize, String expectedSha256) {
        return vertx.fileSystem().mkdirs(target.getParent().toString())
                .onFailure().transform(failures::typed)
                .chain(() -> write(body, expectedSize, expectedSha256, (temp, info) -> syncTagAndPublish(temp, info, target)));
    }

    /**
     * Writes exactly {@code expectedSize} bytes as a part of a multipart upload, replacing an earlier
     * copy of the same part (a client may send a part again). The part's folder must exist: once the
     * upload is completed or aborted, a part URL still held writes nothing ({@code NOT_FOUND}).
     */
    Uni<ObjectInfo> writePart(Path target, Multi<Buffer> body, long expectedSize) {
        return write(body, expectedSize, null, (temp, info) -> syncTagAndReplace(temp, info, target));
    }

    private Uni<ObjectInfo> write(Multi<Buffer> body, long expectedSize, String expectedSha256, Publish publish) {
        Path temp = incoming.resolve(Ulid.next() + ".part");
        MessageDigest digest = Checksums.sha256();
        long[] written = {0};
        return Uni.createFrom().voidItem()
                .chain(() -> vertx.fileSystem().open(temp.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
                        .onFailure().transform(failures::typed))
                .chain(file -> {
                    FileSink sink = new FileSink(file, failures::typed);
                    return body
                            .onItem().call(buffer -> {
                                written[0] += buffer.length();
                                if (written[0] > expectedSize) {
                                    return Uni.createFrom().failure(StoreFailure.of(StoreFailure.Kind.TOO_LARGE,
                                            "The body is longer than the " + expectedSize + " bytes the URL was signed for"));
                                }
                                digest.update(buffer.getDelegate().getByteBuf().nioBuffer());
                                return sink.write(buffer);
                            })
                            .collect().last()
                            // Every queued write has ended when the close does; a failed one fails the upload.
                            .onItem().call(sink::close)
                            .onFailure().call(() -> sink.close().onFailure().recoverWithNull());
                })
                .map(ignored -> verified(written[0], expectedSize, HexFormat.of().formatHex(digest.digest()), expectedSha256))
                // Durable before visible: the bytes reach the disk, then a new link publishes them.
                .call(info -> vertx.executeBlocking(Uni.createFrom().item(() -> publish.apply(temp, info)))
                        .onFailure().transform(failures::typed))
                .invoke(failures::stored)
                .eventually(() -> vertx.fileSystem().delete(temp.toString()).onFailure().recoverWithNull());
    }

    /** Syncs the finished temp file and makes it visible at its place. Blocking. */
    @FunctionalInterface
    private interface Publish {
        Void apply(Path temp, ObjectInfo info);
    }

    private static ObjectInfo verified(long written, long expectedSize, String sha256, String expectedSha256) {
        if (written != expectedSize) {
            throw StoreFailure.of(StoreFailure.Kind.WRONG_LENGTH, "The body has " + written + " bytes, the URL was signed for " + expectedSize);
        }
        if (expectedSha256 != null && !expectedSha256.equals(sha256)) {
            throw StoreFailure.of(StoreFailure.Kind.BAD_CHECKSUM, "The body's sha256 differs from the declared one");
        }
        return new ObjectInfo(written, sha256);
    }

    /**
     * Publishes the temp file at {@code target} without ever replacing what is there: a key is
     * written once, so bytes that were verified cannot be swapped by a second upload on the same URL.
     * A hard link is atomic and fails when the target exists, which a rename would silently replace.
     */
    private static Void syncTagAndPublish(Path temp, ObjectInfo info, Path target) {
        syncAndTag(temp, info);
        for (int attempt = 1; ; attempt++) {
            try {
                Files.createLink(target, temp);
                syncFolder(target.getParent()); // the new name itself survives a crash too
                return null;
            } catch (FileAlreadyExistsException e) {
                throw StoreFailure.of(StoreFailure.Kind.ALREADY_EXISTS, "An object is already stored at this URL's key: an upload URL writes once");
            } catch (NoSuchFileException e) {
                if (attempt == 3) {
                    throw new UncheckedIOException("Could not publish the upload", e);
                }
                createDirectories(target.getParent()); // a delete removed the emptied folder meanwhile
            } catch (IOException e) {
                throw new UncheckedIOException("Could not publish the upload", e);
            }
        }
    }

    /** Moves a part into its upload's folder, atomically replacing an earlier copy of it. */
    private static Void syncTagAndReplace(Path temp, ObjectInfo info, Path target) {
        syncAndTag(temp, info);
        try {
            Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return null;
        } catch (NoSuchFileException e) {
            throw StoreFailure.of(StoreFailure.Kind.NOT_FOUND, "No such multipart upload: it was completed or aborted");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not publish the part", e);
        }
    }

    /** Best effort: a few file systems cannot sync a folder; the file's bytes are synced already. */
    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // nothing more to do here
        }
    }

    private static void createDirectories(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create " + folder.getFileName(), e);
        }
    }

    /**
     * Forces the bytes to the disk (a volume that fails to store them reports it here at the latest)
     * and checks that the file holds every byte that was counted, before it can be published.
     */
    private static void syncAndTag(Path file, ObjectInfo info) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(false);
            if (channel.size() != info.size()) {
                throw new IOException("The file holds " + channel.size() + " of the upload's " + info.size() + " bytes");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not sync the upload to disk", e);
        }
        tagSha256(file, info.sha256());
    }

    /** Best effort: file systems without user attributes simply make stat re-read the file. */
    private static void tagSha256(Path file, String sha256) {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        if (view != null) {
            try {
                view.write(SHA256_ATTRIBUTE, ByteBuffer.wrap(sha256.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            } catch (IOException | UnsupportedOperationException ignored) {
                // no xattr support here
            }
        }
    }

    static String readSha256Tag(Path file) {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        if (view == null) {
            return null;
        }
        try {
            ByteBuffer value = ByteBuffer.allocate(64);
            if (view.read(SHA256_ATTRIBUTE, value) != 64) {
                return null;
            }
            return new String(value.array(), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
