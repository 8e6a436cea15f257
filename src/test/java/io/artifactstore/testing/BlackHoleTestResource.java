package io.artifactstore.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

/**
 * A provider named {@code stuck} whose server accepts connections and never answers: the kernel
 * completes the handshakes, nobody reads. Only timeouts can save a caller from it.
 */
public class BlackHoleTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String PROVIDER = "stuck";

    private ServerSocket socket;

    @Override
    public Map<String, String> start() {
        try {
            socket = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String prefix = "artifact-store.providers." + PROVIDER + ".";
        return Map.ofEntries(
                Map.entry(prefix + "type", "s3"),
                Map.entry(prefix + "bucket", "nowhere"),
                Map.entry(prefix + "endpoint", "http://127.0.0.1:" + socket.getLocalPort()),
                Map.entry(prefix + "path-style", "true"),
                Map.entry(prefix + "access-key-id", "x"),
                Map.entry(prefix + "secret-access-key", "y"),
                Map.entry(prefix + "resilience.timeout", "500ms"),
                Map.entry(prefix + "resilience.max-retries", "1"),
                Map.entry(prefix + "resilience.retry-delay", "20ms"),
                Map.entry("artifact-store.routing.rules[1].name", "audio-to-stuck"),
                Map.entry("artifact-store.routing.rules[1].when.types", "audio"),
                Map.entry("artifact-store.routing.rules[1].provider", PROVIDER));
    }

    @Override
    public void stop() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
