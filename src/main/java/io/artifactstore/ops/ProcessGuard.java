package io.artifactstore.ops;

import io.artifactstore.config.ArtifactStoreConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The process is never left half alive (README, "Prod mode"): an OutOfMemoryError or any other
 * VirtualMachineError, an event loop blocked or dead for {@code artifact-store.process.event-loop-deadline},
 * or a shutdown that outlives {@code artifact-store.process.shutdown-deadline} ends it with one log
 * line and a halt, whatever JVM flags it runs with, so that its supervisor (Kubernetes) restarts it.
 */
@ApplicationScoped
public class ProcessGuard {

    /** The exit status of a halt, that of -XX:+ExitOnOutOfMemoryError. */
    static final int HALTED = 3;

    private static final Logger LOG = Logger.getLogger(ProcessGuard.class);
    private static final Duration PING_EVERY = Duration.ofSeconds(1);

    @Inject
    Vertx vertx;

    @Inject
    ArtifactStoreConfig config;

    private FatalErrors fatalErrors;
    private EventLoopWatchdog watchdog;
    private Thread shutdownDeadline;

    // Before anything else starts, so that an error during the rest of start-up ends the process too.
    void start(@Observes @Priority(0) StartupEvent event) {
        fatalErrors = FatalErrors.install(vertx, error -> halt("Fatal error " + error, HALTED));
        Duration deadline = config.process().eventLoopDeadline();
        if (!deadline.isZero()) {
            List<io.netty.util.concurrent.EventExecutor> loops = new ArrayList<>();
            vertx.nettyEventLoopGroup().forEach(loops::add);
            ((VertxInternal) vertx).getAcceptorEventLoopGroup().forEach(loops::add); // the listeners' loop
            watchdog = new EventLoopWatchdog(loops, deadline, dead -> halt("Vert.x " + dead, HALTED));
            watchdog.start(PING_EVERY);
        }
        Duration shutdown = config.process().shutdownDeadline();
        shutdownDeadline = new Thread(() -> haltAfter(shutdown), "artifact-store-shutdown-deadline");
        Runtime.getRuntime().addShutdownHook(shutdownDeadline);
    }

    void stop(@Observes ShutdownEvent event) {
        if (watchdog != null) {
            watchdog.stop(); // the loops are about to close
        }
        fatalErrors.uninstall();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownDeadline); // only the application stops (tests, dev mode)
        } catch (IllegalStateException jvmShuttingDown) {
            // SIGTERM: the hook is running and keeps its deadline
        }
    }

    /** The shutdown hook: a daemon timer, so that a shutdown that finishes in time is never held up by it. */
    private static void haltAfter(Duration deadline) {
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(deadline.toMillis());
                halt("Shutdown has not finished within " + deadline.toSeconds() + " s", 143);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "artifact-store-shutdown-timer");
        timer.setDaemon(true);
        timer.start();
    }

    /** One line, then the end: no shutdown hook runs, since they may wait on what is broken. */
    private static void halt(String why, int status) {
        try {
            LOG.errorf("%s: halting the process (exit status %d) so that it is restarted", why, status);
        } catch (Throwable ignored) {
            // no memory even for the line: halt all the same
        } finally {
            Runtime.getRuntime().halt(status);
        }
    }
}
