package io.artifactstore.security;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Signing and verifying a local-provider URL (HMAC-SHA256, constant-time comparison). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UrlSigningBenchmark {

    private final UrlSigner signer = new UrlSigner("benchmark-secret-benchmark-secret-0123456789", List.of());
    private final String canonical = UrlSigner.canonical("PUT", "local", "acme/image/board_123/01JD8X5Q0000000000000000/original",
            "1795349161", "1048576", "image/png", "", "");
    private final String signature = signer.sign(canonical);

    @Benchmark
    public String sign() {
        return signer.sign(canonical);
    }

    @Benchmark
    public boolean verify() {
        return signer.verify(signer.currentKeyId(), canonical, signature);
    }
}
