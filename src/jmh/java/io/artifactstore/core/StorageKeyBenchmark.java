package io.artifactstore.core;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/** Building a storage key from validated parts, and parsing one back from a URL path. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StorageKeyBenchmark {

    private final String path = "acme/image/board_123/01JD8X5Q0000000000000000/original";

    @Benchmark
    public String build() {
        return new StorageKey("acme", ArtifactType.IMAGE, "board_123", "01JD8X5Q0000000000000000", "original").toString();
    }

    @Benchmark
    public StorageKey parse() {
        return StorageKey.parse(path);
    }

    @Benchmark
    public String newId() {
        return Ulid.next();
    }
}
