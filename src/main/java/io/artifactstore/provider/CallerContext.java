package io.artifactstore.provider;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.concurrent.Flow;

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

    /**
     * A stream whose items arrive on the producer's threads (no hop per chunk) but whose end, success
     * or failure, is signalled on the caller's context, where whatever follows the stream runs.
     */
    public static <T> Multi<T> resumeOnCaller(Multi<T> stream) {
        return Multi.createFrom().deferred(() -> {
            Context caller = Vertx.currentContext();
            if (caller == null) {
                return stream;
            }
            return Multi.createFrom().publisher(subscriber -> stream.subscribe().withSubscriber(new Flow.Subscriber<T>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscriber.onSubscribe(subscription);
                }

                @Override
                public void onNext(T item) {
                    subscriber.onNext(item);
                }

                @Override
                public void onError(Throwable failure) {
                    caller.runOnContext(ignored -> subscriber.onError(failure));
                }

                @Override
                public void onComplete() {
                    caller.runOnContext(ignored -> subscriber.onComplete());
                }
            }));
        });
    }
}
