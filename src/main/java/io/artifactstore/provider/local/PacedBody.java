package io.artifactstore.provider.local;

import io.artifactstore.core.StoreFailure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.MultiOperator;
import io.smallrye.mutiny.operators.multi.MultiOperatorProcessor;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.vertx.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;

import java.time.Clock;
import java.util.concurrent.Flow;

/**
 * An upload body that must keep moving: it fails as STALLED when fewer than {@code minBytesPerWindow}
 * arrive in a window (a stalled or trickling client), or when it runs past {@code deadlineMillis}
 * (the signed URL's expiry plus a grace). A stalled client sends nothing that could trigger a check,
 * so a timer on the request's event loop checks once a second; its failure ends the write, which
 * deletes the partial file.
 */
final class PacedBody extends MultiOperator<Buffer, Buffer> {

    private static final long CHECK_INTERVAL_MILLIS = 1000;

    private final Vertx vertx;
    private final Clock clock;
    private final long expectedSize;
    private final long minBytesPerWindow;
    private final long windowMillis;
    private final long deadlineMillis;

    PacedBody(Multi<Buffer> body, Vertx vertx, Clock clock, long expectedSize, long minBytesPerWindow,
            long windowMillis, long deadlineMillis) {
        super(body);
        this.vertx = vertx;
        this.clock = clock;
        this.expectedSize = expectedSize;
        this.minBytesPerWindow = minBytesPerWindow;
        this.windowMillis = windowMillis;
        this.deadlineMillis = deadlineMillis;
    }

    @Override
    public void subscribe(MultiSubscriber<? super Buffer> downstream) {
        upstream().subscribe().withSubscriber(new Pacer(downstream));
    }

    /** Runs on the request's event loop: items and timer ticks never overlap. */
    private final class Pacer extends MultiOperatorProcessor<Buffer, Buffer> {

        private long received;
        private long windowStart;
        private long receivedAtWindowStart;
        private long timer = -1;

        Pacer(MultiSubscriber<? super Buffer> downstream) {
            super(downstream);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            windowStart = clock.millis();
            timer = vertx.setPeriodic(Math.min(CHECK_INTERVAL_MILLIS, windowMillis), id -> check());
            super.onSubscribe(subscription);
        }

        @Override
        public void onItem(Buffer buffer) {
            received += buffer.length();
            super.onItem(buffer);
        }

        @Override
        public void onFailure(Throwable failure) {
            stopTimer();
            super.onFailure(failure);
        }

        @Override
        public void onCompletion() {
            stopTimer();
            super.onCompletion();
        }

        @Override
        public void cancel() {
            stopTimer();
            super.cancel();
        }

        private void check() {
            long now = clock.millis();
            if (now > deadlineMillis) {
                end("The upload did not finish before its URL expired");
            } else if (received < expectedSize && now - windowStart >= windowMillis) {
                if (received - receivedAtWindowStart < minBytesPerWindow) {
                    end("The upload sent fewer than " + minBytesPerWindow + " bytes in " + windowMillis / 1000 + " s");
                }
                windowStart = now;
                receivedAtWindowStart = received;
            }
        }

        private void end(String detail) {
            stopTimer();
            if (!isDone()) {
                super.cancel();
                downstream.onFailure(StoreFailure.of(StoreFailure.Kind.STALLED, detail));
            }
        }

        private void stopTimer() {
            if (timer != -1) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }
}
