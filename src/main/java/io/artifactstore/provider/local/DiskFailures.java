package io.artifactstore.provider.local;

import io.artifactstore.core.StoreFailure;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The failures of one local volume's file operations as kinds: a full volume (or an exhausted disk
 * quota) is {@code NO_SPACE}, anything else the volume does wrong (read-only, an I/O error) is
 * {@code UNAVAILABLE}; a failure that is not the volume's passes as it is. Java names no errno, so
 * the operating system's text tells. The operator hears of it once when the volume starts failing
 * and once when it stores again, not once per refused upload.
 */
final class DiskFailures {

    private static final Logger LOG = Logger.getLogger(DiskFailures.class);

    private final String volume;
    private final AtomicBoolean failing = new AtomicBoolean();

    DiskFailures(String volume) {
        this.volume = volume;
    }

    /** The failure of a file operation as a kind, noting the volume as failing when it is the volume's. */
    Throwable typed(Throwable failure) {
        if (failure instanceof StoreFailure) {
            return failure;
        }
        IOException io = ioCause(failure);
        if (io == null) {
            return failure;
        }
        String reason = reason(io);
        StoreFailure typed = isFull(reason) ? StoreFailure.noSpace(io) : StoreFailure.unavailable(io);
        if (failing.compareAndSet(false, true)) {
            LOG.warnf("Local storage %s cannot store uploads (%s: %s); they are refused until it can", volume,
                    io.getClass().getSimpleName(), reason);
        }
        return typed;
    }

    /** A write went through to the end: the volume stores again. */
    void stored() {
        if (failing.get() && failing.compareAndSet(true, false)) {
            LOG.infof("Local storage %s stores uploads again", volume);
        }
    }

    private static IOException ioCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
        }
        return null;
    }

    private static String reason(IOException io) {
        String reason = io instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : io.getMessage();
        return reason == null ? "" : reason;
    }

    /** ENOSPC and EDQUOT, as Linux and macOS word them. */
    private static boolean isFull(String reason) {
        return reason.contains("No space left on device") || reason.contains("Disk quota exceeded");
    }
}
