package io.artifactstore.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A small real file system, a tmpfs, as the root of a local provider named {@value #PROVIDER}, so tests
 * can fill it up or make it read-only and see what the service does. Mounting needs root: where that
 * is impossible the provider gets a plain folder and {@link #isMounted} says so (tests then skip), except
 * in CI (environment {@code CI=true}), where it fails.
 */
public class TmpfsVolume implements QuarkusTestResourceLifecycleManager {

    public static final String PROVIDER = "tight";
    public static final String ROOT_KEY = "artifact-store.providers." + PROVIDER + ".root";
    private static final String SIZE = "24m";
    /** What fills the volume: a file of its own at the top, outside every key. */
    private static final String BALLAST = "ballast";

    private Path mount;

    @Override
    public Map<String, String> start() {
        try {
            mount = Files.createTempDirectory("artifact-store-tmpfs");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=" + SIZE + ",mode=0700", "tmpfs", mount.toString());
        if (!mounted && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("Cannot mount a tmpfs at " + mount + ": the disk-full tests need root in CI");
        }
        return Map.of("artifact-store.providers." + PROVIDER + ".type", "local", ROOT_KEY, mount.toString());
    }

    @Override
    public void stop() {
        if (isMounted(mount)) {
            run("umount", "-l", mount.toString());
        }
        TempFolders.delete(mount);
    }

    /** Whether {@code folder} is a tmpfs mount point right now. */
    public static boolean isMounted(Path folder) {
        try {
            String target = folder.toAbsolutePath().toString();
            return Files.readAllLines(Path.of("/proc/mounts")).stream()
                    .map(line -> line.split(" "))
                    .anyMatch(fields -> fields.length > 2 && fields[1].equals(target) && fields[2].equals("tmpfs"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Fills the volume until only about {@code bytesFree} remain (tmpfs counts whole pages). */
    public static void fill(Path root, long bytesFree) {
        try {
            long toWrite = Files.getFileStore(root).getUsableSpace() - bytesFree;
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            try (FileChannel ballast = FileChannel.open(root.resolve(BALLAST), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                while (toWrite > 0) {
                    chunk.clear().limit((int) Math.min(chunk.capacity(), toWrite));
                    toWrite -= ballast.write(chunk);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Frees what {@link #fill} took. */
    public static void free(Path root) {
        try {
            Files.deleteIfExists(root.resolve(BALLAST));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean isBallast(Path file) {
        return file.getFileName().toString().equals(BALLAST);
    }

    /** Remounts the volume read-only ({@code true}) or writable again. */
    public static void readOnly(Path root, boolean readOnly) {
        if (!run("mount", "-o", "remount," + (readOnly ? "ro" : "rw"), root.toString())) {
            throw new IllegalStateException("Cannot remount " + root + (readOnly ? " read-only" : " writable"));
        }
    }

    private static boolean run(String... command) {
        try {
            Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
