package io.artifactstore.api;

/**
 * "The client hung up", recognised in one place: a client that leaves mid-request or mid-response is
 * routine, not a failure of ours, and nobody is left to answer it (README, "Operations").
 */
public final class HangUps {

    private HangUps() {
    }

    /**
     * Whether {@code failure}, or any of its causes, is the client's connection ending: the failure of
     * reading its request or writing its answer, a close, a reset or a broken pipe, as the JDK, Netty's
     * native transport or Vert.x words it. A connection of ours that could not be made is an outage.
     */
    public static boolean isClientGone(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.vertx.core.http.HttpClosedException || t instanceof java.nio.channels.ClosedChannelException
                    || (t instanceof java.net.SocketException && !outbound(t))
                    || (t instanceof java.io.IOException && t.getMessage() != null && (t.getMessage().contains("Connection reset")
                    || t.getMessage().contains("Broken pipe")))) {
                return true;
            }
        }
        return false;
    }

    /** A connection of ours that could not be made (the database, a store): an outage, never a client's hang-up. */
    private static boolean outbound(Throwable t) {
        return t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
                || t instanceof java.net.PortUnreachableException;
    }
}
