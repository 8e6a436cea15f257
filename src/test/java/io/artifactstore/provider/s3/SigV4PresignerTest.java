package io.artifactstore.provider.s3;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.net.URI;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;

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
    void anExplicitDefaultPortIsLeftOutOfTheSignedHostAsClientsLeaveItOutOfTheirs() {
        SigV4Presigner presigner = new SigV4Presigner(URI.create("https://s3.amazonaws.com:443"), "examplebucket", false,
                "us-east-1", StaticCredentialsProvider.create(EXAMPLE_KEYS), MAY_24_2013);

        String url = presigner.presign("GET", "test.txt", Map.of(), Map.of(), Duration.ofDays(1)).url();

        assertThat(url).startsWith("https://examplebucket.s3.amazonaws.com/test.txt?")
                .endsWith("&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    }

    /** The AWS SDK's own presigner is the reference: China regions, session tokens, both addressing styles. */
    @ParameterizedTest
    @CsvSource({"cn-north-1, false", "eu-west-1, false", "ap-southeast-2, true", "us-gov-west-1, false"})
    void signsExactlyAsTheAwsSdkDoes(String region, boolean pathStyle) {
        AwsSessionCredentials session = AwsSessionCredentials.create("ASIAEXAMPLE", "secret/key+example", "token/with+chars=");
        String key = "acme/image/_/01JD/original/01K0";
        URL reference;
        try (S3Presigner sdk = S3Presigner.builder().region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(session))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build()).build()) {
            reference = sdk.presignGetObject(r -> r.signatureDuration(Duration.ofMinutes(10))
                    .getObjectRequest(get -> get.bucket("examplebucket").key(key))).url();
        }
        Map<String, String> expected = query(reference.getQuery());
        Instant signedAt = Instant.from(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                .parse(expected.get("X-Amz-Date")));
        SigV4Presigner presigner = new SigV4Presigner(SigV4Presigner.awsEndpoint(region), "examplebucket", pathStyle,
                region, StaticCredentialsProvider.create(session), Clock.fixed(signedAt, ZoneOffset.UTC));

        URI ours = URI.create(presigner.presign("GET", key, Map.of(), Map.of(), Duration.ofMinutes(10)).url());

        assertThat(ours.getHost()).isEqualTo(reference.getHost());
        assertThat(ours.getRawPath()).isEqualTo(reference.getPath());
        assertThat(query(ours.getRawQuery())).isEqualTo(expected);
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> parameters = new TreeMap<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            parameters.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return parameters;
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
