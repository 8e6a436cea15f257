package io.artifactstore.ops;

import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * Pings every event loop from a thread of its own. A loop that has not run its ping for the deadline
 * is blocked, or dead after an error: it serves nobody any more, and neither does the process, which
 * health checks answered from those same loops cannot report. It tells {@code onDead} once, naming
 * the loop (README, "Prod mode": the process ends so that it restarts).
 */
final class EventLoopWatchdog {

    private final List<EventExecutor> loops = new ArrayList<>();
    private final List<Runnable> pings = new ArrayList<>();
    private final AtomicLongArray answeredAt;
    private final long deadlineNanos;
    private final Consumer<String> onDead;
    private Thread thread;

    EventLoopWatchdog(Iterable<? extends EventExecutor> loops, Duration deadline, Consumer<String> onDead) {
        loops.forEach(this.loops::add);
        this.answeredAt = new AtomicLongArray(this.loops.size());
        this.deadlineNanos = deadline.toNanos();
        this.onDead = onDead;
        long now = System.nanoTime();
        for (int i = 0; i < this.loops.size(); i++) {
            int loop = i;
            answeredAt.set(loop, now);
            pings.add(() -> answeredAt.set(loop, System.nanoTime())); // made once: a tick allocates nothing
        }
    }

    /** Starts the pinging thread, a daemon: it never holds the process up. */
    void start(Duration every) {
        thread = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(every.toMillis());
                    if (!tick()) {
                        return;
                    }
                }
            } catch (InterruptedException stopped) {
                // stop() was called: the application is stopping
            }
        }, "artifact-store-event-loop-watchdog");
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Checks every loop and pings it again; false, after telling {@code onDead}, when one has not answered in time. */
    boolean tick() {
        long now = System.nanoTime();
        for (int i = 0; i < loops.size(); i++) {
            long silent = now - answeredAt.get(i);
            if (silent > deadlineNanos) {
                onDead.accept("event loop " + (i + 1) + " of " + loops.size() + " has not answered for "
                        + Duration.ofNanos(silent).toSeconds() + " s");
                return false;
            }
            try {
                loops.get(i).execute(pings.get(i));
            } catch (RejectedExecutionException terminated) {
                // its thread has ended: it will not answer, and the deadline says so
            }
        }
        return true;
    }
}
