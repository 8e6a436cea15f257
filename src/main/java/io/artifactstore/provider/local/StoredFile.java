package io.artifactstore.provider.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * What the store knows of one file: its size, the sha256 tagged at write time (null on file systems
 * without user attributes) and its modification time. Blocking file I/O: call it on a worker thread.
 */
record StoredFile(long size, String sha256, long lastModifiedMillis) {

    static Optional<StoredFile> of(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new StoredFile(attributes.size(), AtomicFileWriter.readSha256Tag(file),
                    attributes.lastModifiedTime().toMillis()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A strong validator: the content's sha256 when known, else size and modification time. */
    String etag() {
        return sha256 != null ? '"' + sha256 + '"'
                : '"' + Long.toHexString(size) + '-' + Long.toHexString(lastModifiedMillis) + '"';
    }
}
