package io.artifactstore.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes the access lines of prod, where logs are JSON, off the event loop: a request's thread only
 * renders its line (the same fields, in the same shape, as the JSON log formatter gives every other
 * record) and queues it; one thread writes them to standard output, a few KiB per write. Through the
 * log manager, each line cost a JSON generator, MDC copies and a flushed write on the event loop:
 * a sixth of the CPU of a download URL (bench/ab.sh). The queue is bounded; a line that finds it full
 * is dropped and counted, never waited for. Each write holds whole lines and at most {@code PIPE_BUF}
 * bytes, so lines never interleave with the log manager's own on a pipe.
 */
@ApplicationScoped
public class AccessLogWriter {

    private static final int QUEUE_LINES = 16_384;
    private static final int WRITE_BYTES = 4096; // PIPE_BUF on Linux: a pipe write of at most this is atomic
    private static final String LOGGER = "io.artifactstore.access";

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE_LINES);
    private volatile boolean running;
    private Thread writer;
    private Counter dropped;

    @Inject
    MeterRegistry metrics;

    @ConfigProperty(name = "quarkus.log.console.json.enabled", defaultValue = "false")
    boolean jsonLogs;

    @ConfigProperty(name = "quarkus.log.console.enable", defaultValue = "true")
    boolean console;

    /** Whether access lines go through this writer (JSON logs on the console) rather than the log manager. */
    public boolean active() {
        return running;
    }

    void start(@Observes @Priority(1) StartupEvent started) {
        dropped = Counter.builder("artifact_store_access_log_dropped")
                .description("Access log lines dropped because the writer fell behind (its queue was full)")
                .register(metrics);
        if (jsonLogs && console) {
            running = true;
            writer = new Thread(() -> drainTo(new FileOutputStream(FileDescriptor.out)), "access-log-writer");
            writer.setDaemon(true);
            writer.start();
        }
    }

    /** Queues the line of one request; drops it, counted, if the writer is that far behind. */
    public void write(String method, String route, int status, long millis, String tenant) {
        if (!queue.offer(jsonLine(method, route, status, millis, tenant))) {
            dropped.increment();
        }
    }

    /** Every line queued before shutdown is written. */
    void stop(@Observes ShutdownEvent stopping) throws InterruptedException {
        if (running) {
            running = false;
            writer.join(TimeUnit.SECONDS.toMillis(2));
        }
    }

    private void drainTo(OutputStream out) {
        List<String> lines = new ArrayList<>(256);
        byte[] chunk = new byte[WRITE_BYTES];
        try {
            while (running || !queue.isEmpty()) {
                String first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                lines.add(first);
                queue.drainTo(lines, 255);
                int used = 0;
                for (String line : lines) {
                    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                    if (used + bytes.length > chunk.length && used > 0) {
                        out.write(chunk, 0, used);
                        used = 0;
                    }
                    if (bytes.length > chunk.length) {
                        out.write(bytes); // cannot happen with the fields of a line, but is never cut
                    } else {
                        System.arraycopy(bytes, 0, chunk, used, bytes.length);
                        used += bytes.length;
                    }
                }
                out.write(chunk, 0, used);
                lines.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            running = false; // standard output is gone: nothing left to write to
        }
    }

    /** The record the JSON log formatter would write, with the access fields in its {@code mdc} object. */
    static String jsonLine(String method, String route, int status, long millis, String tenant) {
        StringBuilder line = new StringBuilder(320)
                .append("{\"timestamp\":\"").append(Instant.now())
                .append("\",\"loggerName\":\"" + LOGGER + "\",\"level\":\"INFO\",\"message\":\"");
        appendEscaped(line, method).append(' ');
        appendEscaped(line, route).append(' ').append(status).append(' ').append(millis).append(" ms tenant=");
        appendEscaped(line, tenant).append("\",\"threadName\":\"");
        appendEscaped(line, Thread.currentThread().getName()).append("\",\"mdc\":{\"method\":\"");
        appendEscaped(line, method).append("\",\"route\":\"");
        appendEscaped(line, route).append("\",\"status\":\"").append(status)
                .append("\",\"durationMs\":\"").append(millis).append("\",\"tenant\":\"");
        return appendEscaped(line, tenant).append("\"}}\n").toString();
    }

    /** A JSON string's content: quotes, backslashes and control characters escaped. */
    private static StringBuilder appendEscaped(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out;
    }
}
