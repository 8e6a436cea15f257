package io.artifactstore.provider.s3;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The presigner against AWS's published example; S3Proxy checks real signatures in the contract suite. */
class SigV4PresignerTest {

    private static final Clock MAY_24_2013 = Clock.fixed(Instant.parse("2013-05-24T00:00:00Z"), ZoneOffset.UTC);
    private static final AwsBasicCredentials EXAMPLE_KEYS =
            AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    @Test
    void signsAwssDocumentedExampleExactly() {
        // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", example GET.
        SigV4Presigner presigner = new SigV4Presigner(URI.create("https://s3.amazonaws.com"), "examplebucket", false,
                "us-east-1", StaticCredentialsProvider.create(EXAMPLE_KEYS), MAY_24_2013);

        SigV4Presigner.Presigned url = presigner.presign("GET", "test.txt", Map.of(), Map.of(), Duration.ofDays(1));

        assertThat(url.url()).isEqualTo("https://examplebucket.s3.amazonaws.com/test.txt"
                + "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
        assertThat(url.expiresAt()).isEqualTo(Instant.parse("2013-05-25T00:00:00Z"));
    }

    @Test
    void pathStyleKeepsThePortAndEncodesKeySegments() {
        SigV4Presigner presigner = new SigV4Presigner(URI.create("http://127.0.0.1:9000"), "my-bucket", true,
                "us-east-1", StaticCredentialsProvider.create(EXAMPLE_KEYS), MAY_24_2013);

        String url = presigner.presign("PUT", "t/image/b/a b/original", Map.of("content-type", "image/png"),
                Map.of(), Duration.ofMinutes(15)).url();

        assertThat(url).startsWith("http://127.0.0.1:9000/my-bucket/t/image/b/a%20b/original?")
                .contains("X-Amz-SignedHeaders=content-type%3Bhost");
    }

    @Test
    void temporaryCredentialsCarryTheirSessionToken() {
        SigV4Presigner presigner = new SigV4Presigner(URI.create("https://s3.eu-west-1.amazonaws.com"), "b", false,
                "eu-west-1", StaticCredentialsProvider.create(AwsSessionCredentials.create("AKID", "secret", "token/+=")),
                MAY_24_2013);

        String url = presigner.presign("GET", "k", Map.of(), Map.of(), Duration.ofMinutes(1)).url();

        assertThat(url).contains("X-Amz-Security-Token=token%2F%2B%3D").contains("%2Feu-west-1%2Fs3%2F");
    }
}
