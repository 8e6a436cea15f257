package io.artifactstore.testing;

import io.restassured.RestAssured;
import io.restassured.config.HttpClientConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service (the prod jar `./mvnw package` builds) in a JVM of its own, with the
 * benchmarked heap, configured by system properties, for the *IT tests that need a real process:
 * a heap cap, several replicas, a scrape from outside, a signal.
 */
public final class PackagedService {

    private final String name;
    private final Map<String, String> config;
    private final int apiPort;
    private final int managementPort;
    private final Path log;
    private Process process;

    /**
     * A service on the settings of {@link ArtifactStoreTestResource#start()} (its database, keys and
     * local root) with ports of its own; {@code overrides} are added last.
     */
    public PackagedService(String name, Map<String, String> resourceSettings, Map<String, String> overrides) throws IOException {
        this.name = name;
        this.config = new HashMap<>(resourceSettings);
        // The tests' plug-in provider type is not in the packaged jar.
        config.keySet().removeIf(key -> key.startsWith("artifact-store.providers." + ArtifactStoreTestResource.PLAIN_PROVIDER + "."));
        config.remove("quarkus.http.test-port");
        config.remove("quarkus.management.test-port");
        this.apiPort = ArtifactStoreTestResource.freePort();
        this.managementPort = ArtifactStoreTestResource.freePort();
        config.put("quarkus.http.port", Integer.toString(apiPort));
        config.put("quarkus.management.port", Integer.toString(managementPort));
        config.put("artifact-store.public-url", "http://localhost:" + apiPort);
        config.putAll(overrides);
        this.log = Path.of("target", name + ".log").toAbsolutePath();
    }

    /** Starts the JVM; call {@link #awaitReady(Duration)} before using it. */
    public PackagedService start() throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError"));
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString()));
        process = new ProcessBuilder(command).directory(Files.createDirectories(Path.of("target", name)).toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return this;
    }

    public PackagedService awaitReady(Duration within) {
        await(name + " is ready", within, () -> ready(Duration.ofSeconds(2)));
        return this;
    }

    public boolean ready(Duration timeout) {
        try {
            int timeoutMillis = (int) timeout.toMillis();
            var client = RestAssured.config().httpClient(HttpClientConfig.httpClientConfig()
                    .setParam("http.connection.timeout", timeoutMillis).setParam("http.socket.timeout", timeoutMillis));
            return RestAssured.given().config(client).port(managementPort).get("/q/health/ready").statusCode() == 200;
        } catch (Exception e) { // RestAssured rethrows the ConnectException unchecked
            return false; // not listening yet
        }
    }

    /** The exit code of a start-up that should fail; it fails the test if the process is still running after {@code within}. */
    public int exitCode(Duration within) throws InterruptedException {
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " did not stop: " + log());
        }
        return process.exitValue();
    }

    /** Sends SIGTERM; answers whether the process ended within the time (it is killed otherwise). */
    public boolean stop(Duration within) throws InterruptedException {
        if (process == null) {
            return true;
        }
        process.destroy();
        boolean stopped = process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
        if (!stopped) {
            process.destroyForcibly().waitFor();
        }
        return stopped;
    }

    /** Waits for the condition, failing when the time is up or the process died. */
    public void await(String what, Duration within, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(within);
        while (!condition.getAsBoolean()) {
            assertThat(process.isAlive()).as("%s is alive (log: %s)", name, log).isTrue();
            assertThat(Instant.now()).as(what).isBefore(deadline);
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    public int apiPort() {
        return apiPort;
    }

    public int managementPort() {
        return managementPort;
    }

    public long pid() {
        return process.pid();
    }

    public String setting(String key) {
        return config.get(key);
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The service's open file descriptors: sockets, files, pipes, everything. */
    public long descriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Server-side TCP connections of the API port, in any state but LISTEN and TIME_WAIT (kernel-only leftovers). */
    public long apiConnections() {
        String port = String.format(":%04X ", apiPort);
        long count = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try (Stream<String> lines = Files.lines(Path.of(table))) {
                count += lines.skip(1).map(String::trim).map(line -> line.split("\\s+"))
                        .filter(f -> (f[1] + " ").contains(port) && !f[3].equals("0A") && !f[3].equals("06")).count();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return count;
    }

    /** Heap used and max in bytes ("used", "max"), from the service's own metrics. */
    public Map<String, Double> heap() {
        String metrics = RestAssured.given().port(managementPort).get("/q/metrics").then().statusCode(200).extract().asString();
        return Map.of("used", heapSum(metrics, "jvm_memory_used_bytes"), "max", heapSum(metrics, "jvm_memory_max_bytes"));
    }

    private static double heapSum(String metrics, String name) {
        Matcher lines = Pattern.compile("(?m)^" + name + "\\{area=\"heap\"[^}]*} (\\S+)$").matcher(metrics);
        double total = 0;
        while (lines.find()) {
            total += Double.parseDouble(lines.group(1));
        }
        return total;
    }
}
