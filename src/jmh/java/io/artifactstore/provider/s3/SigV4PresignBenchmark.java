package io.artifactstore.provider.s3;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Presigning an S3 upload the way an upload ticket does: content type and length signed. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SigV4PresignBenchmark {

    private final SigV4Presigner presigner = new SigV4Presigner(URI.create("https://s3.eu-west-1.amazonaws.com"),
            "artifacts", false, "eu-west-1",
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
            Clock.systemUTC());
    private final Map<String, String> headers = Map.of("content-type", "video/mp4", "content-length", "10485760");

    @Benchmark
    public String presignUpload() {
        return presigner.presign("PUT", "acme/video/board_123/01JD8X5Q0000000000000000/original", headers, Map.of(),
                Duration.ofMinutes(15)).url();
    }
}
