package io.artifactstore.api;

import io.artifactstore.config.ArtifactStoreConfig;
import io.smallrye.mutiny.CompositeException;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.hibernate.HibernateException;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Failures that mean a dependency is down, not that the request or the code is wrong: the database
 * unreachable, a provider's breaker open, its bulkhead full, its calls timing out. Each becomes a
 * 503 with Retry-After (a provider's own temporary failures are {@link KnownFailures}' business). A database outage is logged once when it starts
 * and once when a probe finds the database back, not once per request.
 */
@ApplicationScoped
public class Outages {

    private static final Logger LOG = Logger.getLogger(Outages.class);
    static final long DATABASE_RETRY_AFTER_SECONDS = 2;

    private final AtomicBoolean databaseDown = new AtomicBoolean();
    private final AtomicBoolean confirming = new AtomicBoolean();

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Pool database;

    @Inject
    Vertx vertx;

    /** The 503 of a failure that is an outage, or null when it is something else. */
    public ServiceException classify(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (isDatabaseOutage(cause)) {
            databaseUnavailable(cause);
            return ServiceException.unavailable("The database is unavailable; try again shortly", DATABASE_RETRY_AFTER_SECONDS);
        }
        if (cause instanceof java.net.SocketException) {
            // A reset socket: the database's (storage calls report theirs as StoreFailure) or the client's
            // own, who then reads no answer. Only a failing probe makes it an outage worth a log line.
            confirmDatabaseOutage();
            return ServiceException.unavailable("A connection failed; try again shortly", DATABASE_RETRY_AFTER_SECONDS);
        }
        if (isProviderOutage(cause)) {
            return ServiceException.unavailable("A storage provider is unavailable; try again shortly",
                    config.health().probeInterval().toSeconds());
        }
        return null;
    }

    boolean databaseDown() {
        return databaseDown.get();
    }

    /**
     * Connection-level failures of the database client: refused, reset, PostgreSQL shutting down, or a
     * transaction begun on a pooled connection the server had just closed (the client says so only in
     * a stackless message).
     */
    static boolean isDatabaseOutage(Throwable cause) {
        if (cause instanceof DatabaseException db) {
            String state = String.valueOf(db.getSqlState());
            // 08: connection exception; 57P01-03: shutdown or not accepting connections; 53300: too many connections.
            return state.startsWith("08") || state.startsWith("57P") || state.equals("53300");
        }
        if (cause instanceof io.vertx.core.impl.NoStackTraceThrowable && cause.getMessage() != null
                && cause.getMessage().startsWith("Connection is not active now")) {
            return true;
        }
        return cause instanceof ClosedConnectionException
                || cause instanceof java.net.ConnectException
                || cause instanceof java.net.NoRouteToHostException
                || cause instanceof io.netty.channel.ConnectTimeoutException;
    }

    private static boolean isProviderOutage(Throwable cause) {
        // only provider calls are guarded by fault tolerance
        return cause instanceof CircuitBreakerOpenException || cause instanceof BulkheadException || cause instanceof TimeoutException;
    }

    private void confirmDatabaseOutage() {
        if (!databaseDown.get() && confirming.compareAndSet(false, true)) {
            database.query("SELECT 1").execute().subscribe().with(up -> confirming.set(false), down -> {
                confirming.set(false);
                databaseUnavailable(down);
            });
        }
    }

    private void databaseUnavailable(Throwable cause) {
        if (databaseDown.compareAndSet(false, true)) {
            LOG.warnf("database unavailable (%s): calls that need it answer 503 until it is back",
                    HttpProblems.causeChain(cause));
            vertx.setPeriodic(DATABASE_RETRY_AFTER_SECONDS * 1000, timer -> database.query("SELECT 1").execute()
                    .subscribe().with(ok -> {
                        if (vertx.cancelTimer(timer) && databaseDown.compareAndSet(true, false)) {
                            LOG.info("database available again");
                        }
                    }, stillDown -> LOG.debugf("database still unavailable: %s", HttpProblems.causeChain(stillDown))));
        }
    }

    /** The failure itself, without the wrappers the reactive stack puts around it. */
    static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        for (int i = 0; i < 10 && t != null; i++) {
            if (t instanceof CompositeException composite && !composite.getCauses().isEmpty()) {
                t = composite.getCauses().get(0);
            } else if ((t instanceof CompletionException || t instanceof HibernateException
                    || t.getClass() == RuntimeException.class) && t.getCause() != null) {
                t = t.getCause();
            } else {
                return t;
            }
        }
        return t;
    }
}
