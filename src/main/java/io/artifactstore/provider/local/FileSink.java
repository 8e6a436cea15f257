package io.artifactstore.provider.local;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.AsyncResult;
import io.vertx.core.file.AsyncFile;
import io.vertx.mutiny.core.buffer.Buffer;

import java.util.function.UnaryOperator;

/**
 * Writes a stream of buffers into an open file through its write queue, and checks every write. A
 * buffer is handed to the queue and the next one asked for at once, unless the queue is full: then
 * the next waits until the disk has caught up (waiting for each write instead would cost a thread hop
 * per network chunk). The first failed write (a full or read-only volume, an I/O error) fails the
 * next {@link #write} and {@link #close}: Vert.x reports a failed write only to its own callback, not
 * to the file's exception handler, and fires no drain after it.
 */
final class FileSink {

    private final AsyncFile file;
    private final UnaryOperator<Throwable> typed;
    private final Uni<Void> closed;
    private Throwable failure;
    private int inFlight;
    private UniEmitter<? super Void> drained;
    private UniEmitter<? super Void> settled;

    /** {@code typed} turns a failure of the file into the one reported. */
    FileSink(io.vertx.mutiny.core.file.AsyncFile file, UnaryOperator<Throwable> typed) {
        this.file = file.getDelegate();
        this.typed = typed;
        this.closed = Uni.createFrom().<Void>emitter(this::whenSettled)
                .chain(file::close)
                .onFailure().transform(typed::apply)
                .chain(() -> {
                    Throwable first = firstFailure();
                    return first == null ? Uni.createFrom().voidItem() : Uni.createFrom().failure(first);
                })
                .memoize().indefinitely();
    }

    /** Queues the buffer; completes when the next one may come, or fails once any write has failed. */
    Uni<Void> write(Buffer buffer) {
        synchronized (this) {
            if (failure != null) {
                return Uni.createFrom().failure(failure);
            }
            inFlight++;
        }
        file.write(buffer.getDelegate()).onComplete(this::written);
        if (!file.writeQueueFull()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                drained = emitter;
            }
            file.drainHandler(ignored -> resume());
            if (!file.writeQueueFull() || firstFailure() != null) {
                resume();
            }
        });
    }

    /**
     * Closes the file once every queued write has ended, and fails with the first failed write, if
     * any. Safe to call more than once; the same outcome each time.
     */
    Uni<Void> close() {
        return closed;
    }

    private void written(AsyncResult<Void> result) {
        UniEmitter<? super Void> allDone = null;
        synchronized (this) {
            inFlight--;
            if (result.failed() && failure == null) {
                failure = typed.apply(result.cause());
            }
            if (inFlight == 0) {
                allDone = settled;
                settled = null;
            }
        }
        if (result.failed()) {
            resume(); // no drain follows a failed write: the waiting writer hears of the failure now
        }
        if (allDone != null) {
            allDone.complete(null);
        }
    }

    private void resume() {
        UniEmitter<? super Void> waiting;
        Throwable first;
        synchronized (this) {
            waiting = drained;
            drained = null;
            first = failure;
        }
        if (waiting != null) {
            if (first != null) {
                waiting.fail(first);
            } else {
                waiting.complete(null);
            }
        }
    }

    private void whenSettled(UniEmitter<? super Void> emitter) {
        synchronized (this) {
            if (inFlight > 0) {
                settled = emitter;
                return;
            }
        }
        emitter.complete(null);
    }

    private synchronized Throwable firstFailure() {
        return failure;
    }
}
