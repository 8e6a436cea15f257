package io.artifactstore.api;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.logging.LogRecord;

/**
 * A client that hangs up, mid-request or mid-response, is routine (README, "Operations"): a failure of
 * its connection is a DEBUG line, any other one WARN line without a stack. Without a handler of its
 * own, Vert.x logs every broken pipe and reset as an ERROR with its stack trace; a sendfile write to a
 * client that left reaches no handler at all, so that logger's lines about gone clients are filtered.
 */
@ApplicationScoped
public class QuietHangUps {

    private static final Logger LOG = Logger.getLogger(QuietHangUps.class);

    /** Held here: a JUL logger nobody references may be collected, and its filter with it. */
    private static final java.util.logging.Logger CONNECTION = java.util.logging.Logger.getLogger("io.vertx.core.net.impl.ConnectionBase");

    void filterConnectionLog(@Observes StartupEvent started) {
        CONNECTION.setFilter(QuietHangUps::loggable);
    }

    void register(@Observes Router router) {
        router.route().order(-1001).handler(QuietHangUps::watch);
    }

    private static boolean loggable(LogRecord record) {
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            return !HangUps.isClientGone(thrown);
        }
        String message = record.getMessage();
        return message == null || !(message.contains("Broken pipe") || message.contains("Connection reset"));
    }

    private static void watch(RoutingContext ctx) {
        HttpConnection connection = ctx.request().connection();
        if (connection != null) {
            connection.exceptionHandler(QuietHangUps::failed);
        }
        ctx.next();
    }

    private static void failed(Throwable failure) {
        if (failure instanceof VirtualMachineError fatal) {
            throw fatal; // to Vert.x's exception handler, where the process guard halts (README, "Prod mode")
        }
        if (HangUps.isClientGone(failure)) {
            LOG.debugf("Client connection ended: %s", HttpProblems.causeChain(failure));
        } else {
            LOG.warnf("Client connection failed: %s", HttpProblems.causeChain(failure));
        }
    }
}
