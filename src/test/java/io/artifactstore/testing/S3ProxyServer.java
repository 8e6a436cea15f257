package io.artifactstore.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * S3Proxy, a real S3 server that checks signatures, run as a separate process on a fixed port so it
 * can be stopped and started again (to test outages). Its jar is staged by the Maven build.
 */
public final class S3ProxyServer {

    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key-0123456789";
    /** Regular expressions, space-separated; [.] since the properties file would eat a backslash. */
    static final String CORS_ORIGINS = "https?://(localhost|127[.]0[.]0[.]1)(:[0-9]+)?";
    private static final Path JAR = Path.of("target", "s3proxy", "s3proxy.jar");

    private final int port;
    private final Path dataDirectory;
    private final Path log;
    private Process process;

    public S3ProxyServer(int port, Path workDirectory) {
        this.port = port;
        this.dataDirectory = workDirectory.resolve("s3-data");
        this.log = workDirectory.resolve("s3proxy.log");
    }

    /** Where the server keeps its buckets as folders: objects, and the parts of multipart uploads in progress. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Starts the server unless it is already running. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            if (!Files.exists(JAR)) {
                throw new IllegalStateException(JAR + " is missing: run the tests through Maven, which stages it");
            }
            Files.createDirectories(dataDirectory);
            Path properties = dataDirectory.getParent().resolve("s3proxy.properties");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=" + endpoint(),
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    // The bucket CORS the README asks of every S3 store, for pages on loopback origins (BrowserUploadIT).
                    "s3proxy.cors-allow-origins=" + CORS_ORIGINS,
                    "s3proxy.cors-allow-methods=GET HEAD PUT POST DELETE",
                    "s3proxy.cors-allow-headers=*",
                    "s3proxy.cors-exposed-headers=ETag",
                    "jclouds.provider=filesystem-nio2",
                    "jclouds.identity=" + ACCESS_KEY,
                    "jclouds.credential=" + SECRET_KEY,
                    "jclouds.filesystem.basedir=" + dataDirectory) + "\n");
            String java = ProcessHandle.current().info().command().orElse("java");
            process = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", JAR.toString(), "--properties", properties.toString()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            awaitPort(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Really stops the server: connections are refused until {@link #start()}. */
    public synchronized void stop() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
            awaitPort(false);
        }
    }

    /**
     * Freezes the server (SIGSTOP): its port still accepts connections and bytes up to the socket
     * buffers, but nothing is read or answered until {@link #resume()}, as a store that has become slow.
     */
    public synchronized void pause() {
        signal("-STOP");
    }

    /** Lets a {@link #pause() paused} server run on (SIGCONT). */
    public synchronized void resume() {
        signal("-CONT");
    }

    private void signal(String signal) {
        if (process == null) {
            throw new IllegalStateException("S3Proxy is not running");
        }
        try {
            int exit = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill " + signal + " failed with " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitPort(boolean open) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (isOpen() == open) {
                return;
            }
            if (open && process != null && !process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited; see " + log);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("S3Proxy did not " + (open ? "start" : "stop") + " in time; see " + log);
    }

    private boolean isOpen() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
