package io.artifactstore.provider;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Brings the results of foreign threads (an SDK's I/O threads) back to the Vert.x context that asked
 * for them, where reactive database sessions and request state live.
 */
public final class CallerContext {

    private CallerContext() {
    }

    public static <T> Uni<T> resumeOnCaller(Uni<T> operation) {
        return Uni.createFrom().deferred(() -> {
            Context caller = Vertx.currentContext();
            return caller == null ? operation : operation.emitOn(task -> caller.runOnContext(ignored -> task.run()));
        });
    }
}
