package io.artifactstore.ops;

import io.quarkus.logging.LoggingFilter;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Vert.x logs at ERROR every write that fails on a connection that is gone, the rest of a file after
 * its reader hung up, or after the service dropped a reader that did not read (README, "Operations"):
 * a client's doing, not a fault of the service, so those lines are left out of the log.
 */
@LoggingFilter(name = "client-hang-ups")
public final class ClientHangUps implements Filter {

    private static final String CONNECTION = "io.vertx.core.net.impl.ConnectionBase";
    private static final Set<String> GONE = Set.of("Broken pipe", "Connection reset by peer");

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!CONNECTION.equals(record.getLoggerName())) {
            return true;
        }
        Throwable thrown = record.getThrown();
        return thrown == null ? !GONE.contains(record.getMessage()) : !clientGone(thrown);
    }

    private static boolean clientGone(Throwable thrown) {
        return thrown instanceof ClosedChannelException || (thrown instanceof IOException && GONE.contains(thrown.getMessage()));
    }
}
