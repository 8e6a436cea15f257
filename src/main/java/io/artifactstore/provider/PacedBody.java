package io.artifactstore.provider;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.StoreFailure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.MultiOperator;
import io.smallrye.mutiny.operators.multi.MultiOperatorProcessor;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;

import java.time.Clock;
import java.util.concurrent.Flow;

/**
 * An upload body that must keep moving while the service waits for it: it fails as STALLED when nothing
 * arrives for a window of waiting (a stalled client), when fewer than {@code minBytesPerWindow} arrive in
 * a window of waiting (a trickling one), or when it runs past {@code deadlineMillis} (a signed URL's expiry plus a grace). Only time during which the
 * writer has asked for bytes that have not come counts as waiting: a store or disk that is slow to take
 * the bytes stops asking (back-pressure), and that is no fault of the client's (README "Operations").
 * A stalled client sends nothing that could trigger a check, so a timer on the request's context checks
 * once a second; its failure ends the write, which keeps nothing.
 */
public final class PacedBody extends MultiOperator<Buffer, Buffer> {

    private static final long CHECK_INTERVAL_MILLIS = 1000;

    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final long expectedSize;
    private final long minBytesPerWindow;
    private final long windowMillis;
    private final long deadlineMillis;

    private PacedBody(Multi<Buffer> body, Vertx vertx, Clock clock, long expectedSize, long minBytesPerWindow,
            long windowMillis, long deadlineMillis) {
        super(body);
        this.vertx = vertx;
        // The request's own context, where its bytes arrive: the checks never overlap an item.
        this.context = vertx.getOrCreateContext();
        this.clock = clock;
        this.expectedSize = expectedSize;
        this.minBytesPerWindow = minBytesPerWindow;
        this.windowMillis = windowMillis;
        this.deadlineMillis = deadlineMillis;
    }

    /**
     * {@code body}, announced as {@code expectedSize} bytes, held to {@code artifact-store.uploads.min-rate}
     * over {@code rate-window} of waiting, and to {@code deadlineMillis} (epoch millis; Long.MAX_VALUE: none).
     * Made on the request's event loop.
     */
    public static Multi<Buffer> of(Multi<Buffer> body, ArtifactStoreConfig.Uploads limits, Vertx vertx, Clock clock,
            long expectedSize, long deadlineMillis) {
        long windowMillis = Math.max(1, limits.rateWindow().toMillis());
        long minBytesPerWindow = limits.minRate().asLongValue() * windowMillis / 1000;
        return new PacedBody(body, vertx, clock, expectedSize, minBytesPerWindow, windowMillis, deadlineMillis);
    }

    @Override
    public void subscribe(MultiSubscriber<? super Buffer> downstream) {
        upstream().subscribe().withSubscriber(new Pacer(downstream));
    }

    /**
     * Items and timer ticks run on the request's context; demand may come from the writer's own threads
     * (an S3 client's), so the bookkeeping is guarded.
     */
    private final class Pacer extends MultiOperatorProcessor<Buffer, Buffer> {

        private long received;
        private long outstanding;
        private long waitingSince = -1;
        private long waitedMillis;
        private long waitedAtLastItem;
        private long windowStartWaited;
        private long receivedAtWindowStart;
        private long timer = -1;
        private boolean stopped;

        Pacer(MultiSubscriber<? super Buffer> downstream) {
            super(downstream);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            context.runOnContext(ignored -> startTimer());
            super.onSubscribe(subscription);
        }

        @Override
        public void request(long n) {
            if (n > 0) {
                synchronized (this) {
                    if (outstanding == 0) {
                        waitingSince = clock.millis();
                    }
                    outstanding = outstanding + n < 0 ? Long.MAX_VALUE : outstanding + n;
                }
            }
            super.request(n);
        }

        @Override
        public void onItem(Buffer buffer) {
            synchronized (this) {
                long now = clock.millis();
                received += buffer.length();
                waitedAtLastItem = waited(now);
                if (outstanding != Long.MAX_VALUE && --outstanding == 0) {
                    waitedMillis += now - waitingSince;
                    waitingSince = -1;
                }
            }
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
            String stall = stall(clock.millis());
            if (stall != null) {
                stopTimer();
                if (!isDone()) {
                    super.cancel();
                    downstream.onFailure(StoreFailure.of(StoreFailure.Kind.STALLED, stall));
                }
            }
        }

        /** Why the body is to end now, or null while it keeps pace. */
        private synchronized String stall(long now) {
            if (now > deadlineMillis) {
                return "The upload did not finish before its URL expired";
            }
            if (received >= expectedSize) {
                return null;
            }
            long waited = waited(now);
            if (waited - waitedAtLastItem >= windowMillis) {
                return "The upload sent nothing for " + windowMillis / 1000 + " s while the service waited for it";
            }
            if (waited - windowStartWaited >= windowMillis) {
                if (received - receivedAtWindowStart < minBytesPerWindow) {
                    return "The upload sent fewer than " + minBytesPerWindow + " bytes in " + windowMillis / 1000
                            + " s while the service waited for them";
                }
                windowStartWaited = waited;
                receivedAtWindowStart = received;
            }
            return null;
        }

        /** Time spent waiting for bytes that were asked for, up to {@code now}. */
        private long waited(long now) {
            return waitedMillis + (waitingSince < 0 ? 0 : now - waitingSince);
        }

        private synchronized void startTimer() {
            if (!stopped) {
                timer = vertx.setPeriodic(Math.min(CHECK_INTERVAL_MILLIS, windowMillis), id -> check());
            }
        }

        private synchronized void stopTimer() {
            stopped = true;
            if (timer != -1) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }
}
