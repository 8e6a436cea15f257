package io.artifactstore.ops;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

import java.util.function.Consumer;

/**
 * Errors after which the JVM cannot be trusted (OutOfMemoryError and every other VirtualMachineError),
 * wherever they surface: a thread that dies of one, or a Vert.x handler that throws one. Each is
 * handed to {@code onFatal}; every other error is reported as before.
 */
final class FatalErrors {

    private static final Logger LOG = Logger.getLogger(FatalErrors.class);

    private final Thread.UncaughtExceptionHandler previousDefault;
    private final Handler<Throwable> previousVertx;
    private final Vertx vertx;

    private FatalErrors(Vertx vertx) {
        this.vertx = vertx;
        this.previousDefault = Thread.getDefaultUncaughtExceptionHandler();
        this.previousVertx = vertx.exceptionHandler();
    }

    static FatalErrors install(Vertx vertx, Consumer<Throwable> onFatal) {
        FatalErrors installed = new FatalErrors(vertx);
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (isFatal(error)) {
                onFatal.accept(error);
            } else if (installed.previousDefault != null) {
                installed.previousDefault.uncaughtException(thread, error);
            } else {
                System.err.print("Exception in thread \"" + thread.getName() + "\" "); // what the JVM prints itself
                error.printStackTrace();
            }
        });
        vertx.exceptionHandler(error -> {
            if (isFatal(error)) {
                onFatal.accept(error);
            } else if (installed.previousVertx != null) {
                installed.previousVertx.handle(error);
            } else {
                LOG.error("Unhandled exception", error); // what Vert.x logs without a handler
            }
        });
        return installed;
    }

    /** Puts back what was there before: an application stopping in a JVM that goes on (tests, dev mode). */
    void uninstall() {
        Thread.setDefaultUncaughtExceptionHandler(previousDefault);
        vertx.exceptionHandler(previousVertx);
    }

    static boolean isFatal(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof VirtualMachineError) {
                return true;
            }
        }
        return false;
    }
}
