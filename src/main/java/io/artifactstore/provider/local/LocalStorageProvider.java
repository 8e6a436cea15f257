package io.artifactstore.provider.local;

import io.artifactstore.core.StorageKey;
import io.artifactstore.provider.DownloadTarget;
import io.artifactstore.provider.IncomingSweep;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.provider.ObjectInfo;
import io.artifactstore.provider.ObjectListing;
import io.artifactstore.provider.ObjectNotFoundException;
import io.artifactstore.provider.ServerSideCopy;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.provider.UploadTarget;
import io.artifactstore.security.UrlSigner;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.file.OpenOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Artifacts as files under a root directory, one file per key. The service itself serves the signed
 * URLs ({@link LocalStorageRoutes}); all file I/O goes through Vert.x's asynchronous file system.
 */
public class LocalStorageProvider implements StorageProvider, ServerSideCopy {

    public static final String TYPE = "local";
    private static final String INCOMING = ".incoming";

    private final String name;
    private final Path root;
    private final String publicUrl;
    private final UrlSigner signer;
    private final Vertx vertx;
    private final Clock clock;
    private final AtomicFileWriter writer;
    private final LocalMultipartUploads multipart;
    private final LocalObjectListing listing;
    private final LocalIncomingSweep sweep;
    private final DiskFailures failures;
    private long maxSinglePutSize = Long.MAX_VALUE;

    LocalStorageProvider(String name, Path root, String publicUrl, UrlSigner signer, Vertx vertx, Clock clock) {
        this.name = name;
        this.root = root.toAbsolutePath().normalize();
        this.publicUrl = publicUrl;
        this.signer = signer;
        this.vertx = vertx;
        this.clock = clock;
        Path incoming = this.root.resolve(INCOMING);
        this.failures = new DiskFailures("provider '" + name + "' (" + this.root + ")");
        this.writer = new AtomicFileWriter(vertx, incoming, failures);
        this.multipart = new LocalMultipartUploads(this, incoming.resolve("multipart"), vertx, writer, failures);
        this.listing = new LocalObjectListing(this.root, INCOMING, vertx);
        this.sweep = new LocalIncomingSweep(incoming, incoming.resolve("multipart"), vertx);
    }

    @Override
    public <A> Optional<A> ability(Class<A> kind) {
        if (kind == IncomingSweep.class) {
            return Optional.of(kind.cast(sweep));
        }
        if (kind == ObjectListing.class) {
            return Optional.of(kind.cast(listing));
        }
        return kind == MultipartUploads.class ? Optional.of(kind.cast(multipart)) : StorageProvider.super.ability(kind);
    }

    /** Set once, at start-up, from {@code max-single-put-size}. */
    void limitSinglePut(long bytes) {
        this.maxSinglePutSize = bytes;
    }

    @Override
    public long maxSinglePutSize() {
        return maxSinglePutSize;
    }

    /** The multipart uploads of this provider, for the part PUTs of its own routes. */
    LocalMultipartUploads multipart() {
        return multipart;
    }

    /** Creates the root and its staging directory, so a root that cannot be written fails start-up. */
    LocalStorageProvider prepare() {
        try {
            Files.createDirectories(root.resolve(INCOMING));
        } catch (IOException e) {
            throw new IllegalArgumentException("root " + root + " cannot be created: " + e.getClass().getSimpleName());
        }
        return this;
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
        Instant expiresAt = expiry(target.ttl());
        var fields = new LocalUrlSignature.Fields("PUT", name, target.key(), expiresAt.getEpochSecond(),
                Long.toString(target.size()), target.contentType(), orEmpty(target.sha256()), "");
        return signed("PUT", fields, Map.of("Content-Type", target.contentType()), expiresAt);
    }

    @Override
    public Uni<SignedRequest> presignDownload(DownloadTarget target) {
        Instant expiresAt = expiry(target.ttl());
        var fields = new LocalUrlSignature.Fields("GET", name, target.key(), expiresAt.getEpochSecond(), "",
                target.contentType(), "", orEmpty(target.contentDisposition()));
        return signed("GET", fields, Map.of(), expiresAt);
    }

    /** The signed request, or a failed Uni for a field that may not be signed. */
    Uni<SignedRequest> signed(String method, LocalUrlSignature.Fields fields, Map<String, String> headers, Instant expiresAt) {
        try {
            return Uni.createFrom().item(new SignedRequest(method, LocalUrlSignature.url(publicUrl, fields, signer), headers, expiresAt));
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(e);
        }
    }

    @Override
    public Uni<Optional<ObjectInfo>> stat(StorageKey key) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> StoredFile.of(pathOf(key))
                .map(stored -> new ObjectInfo(stored.size(), stored.sha256()))));
    }

    /** Deletes the file, then the folders above it that it leaves empty, up to the root. */
    @Override
    public Uni<Void> delete(StorageKey key) {
        return Uni.createFrom().deferred(() -> {
            Path file = pathOf(key);
            return vertx.fileSystem().delete(file.toString())
                    .onFailure(LocalStorageProvider::isMissingFile).recoverWithNull()
                    .onFailure().transform(failures::typed)
                    .call(() -> vertx.executeBlocking(Uni.createFrom().item(() -> removeEmptyFolders(file.getParent()))));
        });
    }

    /** Stops at the first folder that still holds something; an upload that loses its folder recreates it. */
    private Void removeEmptyFolders(Path folder) {
        Path incoming = root.resolve(INCOMING);
        for (Path dir = folder; dir.startsWith(root) && !dir.equals(root) && !dir.equals(incoming); dir = dir.getParent()) {
            try {
                Files.delete(dir);
            } catch (IOException e) { // not empty, already gone, or not ours to remove
                return null;
            }
        }
        return null;
    }

    @Override
    public Uni<ObjectInfo> write(StorageKey key, String contentType, long size, Multi<ByteBuffer> body) {
        return writeBuffers(key, size, null, body.map(bytes -> Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(bytes))));
    }

    /** The upload path of the signed PUT route, where the body is already a stream of Vert.x buffers. */
    Uni<ObjectInfo> writeBuffers(StorageKey key, long size, String expectedSha256, Multi<Buffer> body) {
        try {
            return writer.write(pathOf(key), body, size, expectedSha256);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(e);
        }
    }

    @Override
    public Multi<ByteBuffer> read(StorageKey key) {
        return Uni.createFrom().deferred(() -> vertx.fileSystem().open(pathOf(key).toString(),
                        new OpenOptions().setRead(true).setWrite(false).setCreate(false)))
                .onFailure(LocalStorageProvider::isMissingFile).transform(e -> new ObjectNotFoundException(key.toString()))
                .onItem().transformToMulti(file -> file.toMulti()
                        .onTermination().call(() -> file.close().onFailure().recoverWithNull()))
                .map(buffer -> buffer.getDelegate().getByteBuf().nioBuffer());
    }

    /**
     * Opens the file and reads just the asked bytes at the offset, then closes it: no stream is cut
     * short. The read is sized to what the file holds there, so a large {@code length} allocates nothing extra.
     */
    @Override
    public Uni<byte[]> read(StorageKey key, long offset, int length) {
        if (offset < 0 || length < 0) {
            return Uni.createFrom().failure(new IllegalArgumentException("A ranged read needs a non-negative offset and length"));
        }
        return Uni.createFrom().deferred(() -> vertx.fileSystem().open(pathOf(key).toString(),
                        new OpenOptions().setRead(true).setWrite(false).setCreate(false)))
                .onFailure(LocalStorageProvider::isMissingFile).transform(e -> new ObjectNotFoundException(key.toString()))
                .chain(file -> file.size()
                        .chain(size -> {
                            int wanted = (int) Math.max(0, Math.min(length, size - offset));
                            return wanted == 0 ? Uni.createFrom().item(new byte[0])
                                    : file.read(Buffer.buffer(wanted), 0, offset, wanted).map(Buffer::getBytes);
                        })
                        .eventually(() -> file.close().onFailure().recoverWithNull()));
    }

    /** Copies through a temp file and an atomic rename, like an upload: a half copy is never visible. */
    @Override
    public Uni<Void> copy(StorageKey from, StorageKey to) {
        return Uni.createFrom().deferred(() -> {
            Path temp = root.resolve(INCOMING).resolve(io.artifactstore.core.Ulid.next() + ".part");
            Path target = pathOf(to);
            return vertx.fileSystem().copy(pathOf(from).toString(), temp.toString())
                    .onFailure(LocalStorageProvider::isMissingFile).transform(e -> new ObjectNotFoundException(from.toString()))
                    .call(() -> vertx.fileSystem().mkdirs(target.getParent().toString()))
                    .call(() -> vertx.fileSystem().move(temp.toString(), target.toString(),
                            new io.vertx.core.file.CopyOptions().setAtomicMove(true).setReplaceExisting(true)))
                    .onFailure().transform(failures::typed)
                    .onFailure().call(() -> vertx.fileSystem().delete(temp.toString()).onFailure().recoverWithNull());
        });
    }

    @Override
    public Uni<Void> probe() {
        Path incoming = root.resolve(INCOMING);
        return vertx.fileSystem().props(incoming.toString())
                .map(props -> {
                    if (!props.isDirectory()) {
                        throw new IllegalStateException("The staging directory is gone");
                    }
                    return null;
                });
    }

    /** The file of a key: keys are built from validated segments, and the check below is a second lock. */
    Path pathOf(StorageKey key) {
        Path file = root.resolve(key.toString()).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw new IllegalArgumentException("Key escapes the provider root");
        }
        return file;
    }

    UrlSigner signer() {
        return signer;
    }

    Clock clock() {
        return clock;
    }

    Instant expiry(java.time.Duration ttl) {
        return clock.instant().plus(ttl).with(java.time.temporal.ChronoField.NANO_OF_SECOND, 0);
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    static boolean isMissingFile(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NoSuchFileException || (t instanceof FileSystemException && t.getCause() instanceof NoSuchFileException)) {
                return true;
            }
        }
        return false;
    }
}
