package io.artifactstore.records;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.function.Function;

/**
 * The one way to change the artifact tables (README "Architecture"): every change runs through a
 * {@link Changes} on the reactive pool, whose statements commit or roll back together, with the
 * audit row and the quota check of the change. Reads that change nothing may also go through the
 * Panache repositories.
 */
@ApplicationScoped
public class Records {

    @Inject
    Pool pool;

    /** Runs {@code work} in one transaction: everything it does through its {@link Changes} commits, or nothing does. */
    public <T> Uni<T> inTransaction(Function<Changes, Uni<T>> work) {
        return pool.withTransaction(connection -> work.apply(new Changes(connection, true)));
    }

    /**
     * Runs {@code work} straight on the pool, without BEGIN and COMMIT: for one statement, atomic on its
     * own (the ticket of a new artifact), or reads. Each statement commits by itself.
     */
    public <T> Uni<T> alone(Function<Changes, Uni<T>> work) {
        return work.apply(new Changes(pool, false));
    }
}
