package io.artifactstore.provider.local;

import io.artifactstore.provider.IncomingSweep;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Sweeps the local provider's staging area: temp files of uploads that never finished (a crash, a
 * killed process) and multipart part folders whose upload was never completed or aborted. Only what
 * was last written before the cut-off goes, which the caller sets past the longest any upload can run.
 */
final class LocalIncomingSweep implements IncomingSweep {

    private static final Logger LOG = Logger.getLogger(LocalIncomingSweep.class);

    private final Path incoming;
    private final Path multipart;
    private final Vertx vertx;

    LocalIncomingSweep(Path incoming, Path multipart, Vertx vertx) {
        this.incoming = incoming;
        this.multipart = multipart;
        this.vertx = vertx;
    }

    @Override
    public Uni<Integer> sweepIncoming(Instant olderThan) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> sweep(olderThan))); // directory walks block
    }

    private int sweep(Instant olderThan) {
        int swept = 0;
        for (Path entry : list(incoming)) {
            if (Files.isRegularFile(entry) && lastWritten(entry).isBefore(olderThan) && deleteTree(entry)) {
                swept++;
            }
        }
        for (Path upload : list(multipart)) {
            if (Files.isDirectory(upload) && lastWritten(upload).isBefore(olderThan) && deleteTree(upload)) {
                swept++;
            }
        }
        return swept;
    }

    private static List<Path> list(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.toList();
        } catch (IOException e) {
            LOG.debugf("Incoming folder not listed: %s", e.getClass().getName());
            return List.of();
        }
    }

    /** The newest modification in a file or folder tree: a part folder still being written is young. */
    private static Instant lastWritten(Path path) {
        try (Stream<Path> tree = Files.walk(path)) {
            return tree.map(LocalIncomingSweep::modified).max(Comparator.naturalOrder()).orElse(Instant.MAX);
        } catch (IOException | java.io.UncheckedIOException e) {
            return Instant.MAX; // vanished meanwhile: not ours to sweep now
        }
    }

    private static Instant modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toInstant();
        } catch (IOException e) {
            return Instant.MAX;
        }
    }

    private static boolean deleteTree(Path path) {
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            return true;
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.debugf("Incoming leftover not removed: %s", e.getClass().getName());
            return false;
        }
    }
}
