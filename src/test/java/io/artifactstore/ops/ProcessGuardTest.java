package io.artifactstore.ops;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What ends the process (ProcessGuard), on a real Vert.x instance with real errors: an event loop
 * really blocked, a thread and a handler that really run out of memory (an array larger than the VM
 * allows). The halt itself is replaced by a callback, so that the test JVM survives to check it.
 */
class ProcessGuardTest {

    private Vertx vertx;
    private EventLoopWatchdog watchdog;

    @BeforeEach
    void startVertx() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setBlockedThreadCheckInterval(60_000));
    }

    @AfterEach
    void stopVertx() throws Exception {
        if (watchdog != null) {
            watchdog.stop();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aBlockedEventLoopIsReportedOnceItsDeadlineHasPassed() throws Exception {
        CompletableFuture<String> dead = new CompletableFuture<>();
        watchdog = new EventLoopWatchdog(vertx.nettyEventLoopGroup(), Duration.ofSeconds(1), dead::complete);
        watchdog.start(Duration.ofMillis(100));

        // Healthy loops answer every ping: nothing is reported.
        Thread.sleep(2500);
        assertThat(dead).isNotDone();

        CountDownLatch release = new CountDownLatch(1);
        long blockedAt = System.nanoTime();
        vertx.nettyEventLoopGroup().next().execute(() -> {
            try {
                release.await(20, TimeUnit.SECONDS); // a handler that blocks its loop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            String report = dead.get(10, TimeUnit.SECONDS);
            assertThat(report).matches("event loop [12] of 2 has not answered for 1 s");
            assertThat(Duration.ofNanos(System.nanoTime() - blockedAt)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(4));
        } finally {
            release.countDown();
        }
    }

    @Test
    void anOutOfMemoryErrorOnAThreadOrInAVertxHandlerIsFatal() throws Exception {
        CompletableFuture<Throwable> fatal = new CompletableFuture<>();
        FatalErrors errors = FatalErrors.install(vertx, fatal::complete);
        try {
            Thread thread = new Thread(ProcessGuardTest::allocateTooMuch);
            thread.start();
            thread.join();
            assertThat(fatal.get(5, TimeUnit.SECONDS)).isInstanceOf(OutOfMemoryError.class);

            CompletableFuture<Throwable> inHandler = new CompletableFuture<>();
            errors.uninstall();
            errors = FatalErrors.install(vertx, inHandler::complete);
            vertx.runOnContext(ignored -> allocateTooMuch());
            assertThat(inHandler.get(5, TimeUnit.SECONDS)).isInstanceOf(OutOfMemoryError.class);
        } finally {
            errors.uninstall();
        }
    }

    @Test
    void otherErrorsAreNotFatal() throws Exception {
        CompletableFuture<Throwable> fatal = new CompletableFuture<>();
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        vertx.exceptionHandler(reported::complete);
        FatalErrors errors = FatalErrors.install(vertx, fatal::complete);
        try {
            vertx.runOnContext(ignored -> {
                throw new IllegalStateException("an ordinary bug");
            });
            assertThat(reported.get(5, TimeUnit.SECONDS)).hasMessage("an ordinary bug"); // handed on as before
            assertThat(fatal).isNotDone();
        } finally {
            errors.uninstall();
        }
        assertThat(vertx.exceptionHandler()).isNotNull();
    }

    /** A real OutOfMemoryError from the VM ("Requested array size exceeds VM limit"), harmless to the heap. */
    private static void allocateTooMuch() {
        long[] tooLarge = new long[Integer.MAX_VALUE];
        throw new AssertionError("allocated " + tooLarge.length);
    }
}
