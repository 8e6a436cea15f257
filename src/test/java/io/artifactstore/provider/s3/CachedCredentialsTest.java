package io.artifactstore.provider.s3;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Presigning reads credentials without ever waiting for the chain that resolves them. */
class CachedCredentialsTest {

    @Test
    void readsNeverCallTheChainAndExpiringCredentialsAreRefreshedInTheBackground() throws Exception {
        AtomicInteger resolutions = new AtomicInteger();
        AwsCredentialsProvider slowChain = () -> {
            int n = resolutions.incrementAndGet();
            if (n > 1) {
                sleep(Duration.ofSeconds(3)); // a metadata endpoint that takes its time
            }
            return expiringIn(Duration.ofSeconds(2), "key-" + n);
        };

        try (CachedCredentials credentials = CachedCredentials.of("test", slowChain, Clock.systemUTC())) {
            assertThat(resolutions.get()).isEqualTo(1);
            for (int i = 0; i < 1000; i++) {
                assertThat(credentials.resolveCredentials().accessKeyId()).isEqualTo("key-1");
            }
            assertThat(resolutions.get()).as("reads never resolve").isEqualTo(1);

            await(() -> resolutions.get() == 2); // refreshed at half the lifetime; that call now blocks for 3 s
            Instant start = Instant.now();
            assertThat(credentials.resolveCredentials().accessKeyId()).isEqualTo("key-1");
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofMillis(100));

            await(() -> credentials.resolveCredentials().accessKeyId().equals("key-2"));
        }
    }

    private static AwsCredentials expiringIn(Duration lifetime, String keyId) {
        return AwsSessionCredentials.builder().accessKeyId(keyId).secretAccessKey("secret").sessionToken("token")
                .expirationTime(Instant.now().plus(lifetime)).build();
    }

    private static void await(java.util.function.BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(15);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waited too long").isBefore(deadline);
            sleep(Duration.ofMillis(20));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
