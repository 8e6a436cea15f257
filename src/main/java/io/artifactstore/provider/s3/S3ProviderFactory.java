package io.artifactstore.provider.s3;

import io.artifactstore.core.WallClock;
import io.artifactstore.provider.ProviderFactory;
import io.artifactstore.provider.ProviderSetting;
import io.artifactstore.provider.StorageProvider;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Builds {@code type: s3} providers: AWS S3, MinIO, Cloudflare R2, DigitalOcean Spaces, Supabase
 * Storage's S3 endpoint, Google Cloud Storage's XML interoperability endpoint, S3Proxy...
 */
@ApplicationScoped
public class S3ProviderFactory implements ProviderFactory {

    private static final Logger LOG = Logger.getLogger(S3ProviderFactory.class);

    /** The real time: the store checks our signatures, and the expiry of its credentials, against its own. */
    @Inject
    @WallClock
    Clock clock;

    @Override
    public String type() {
        return S3StorageProvider.TYPE;
    }

    @Override
    public List<ProviderSetting> settings() {
        return S3Settings.DECLARED;
    }

    @Override
    public StorageProvider create(String name, Map<String, String> raw) {
        S3Settings settings = S3Settings.from(raw);
        AwsCredentialsProvider credentials = settings.accessKeyId()
                .<AwsCredentialsProvider>map(id -> StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(id, settings.secretAccessKey().orElseThrow())))
                .orElseGet(() -> DefaultCredentialsProvider.builder().build());
        Region region = Region.of(settings.region());

        S3AsyncClientBuilder client = S3AsyncClient.builder()
                .region(region)
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                // R2, GCS and Ceph reject the SDK's default CRC32 checksums: only send them when S3 requires it.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(settings.maxConnections()));
        settings.endpoint().ifPresent(client::endpointOverride);

        SigV4Presigner presigner = new SigV4Presigner(
                settings.presignEndpoint().orElseGet(() -> SigV4Presigner.awsEndpoint(settings.region())),
                settings.bucket(), settings.pathStyle(), settings.region(),
                CachedCredentials.of(name, credentials, clock), clock);

        S3AsyncClient built = client.build();
        if (settings.createBucket()) {
            createBucket(name, settings.bucket(), built);
        }
        return new S3StorageProvider(name, settings, built, presigner, clock);
    }

    /** Off by default; failing here does not stop start-up: readiness reports the provider down instead. */
    private static void createBucket(String name, String bucket, S3AsyncClient client) {
        try {
            client.createBucket(r -> r.bucket(bucket)).get(10, TimeUnit.SECONDS);
            LOG.infof("Provider %s: created bucket %s", name, bucket);
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException || e instanceof CompletionException ? e.getCause() : e;
            if (cause instanceof BucketAlreadyOwnedByYouException
                    || (cause instanceof software.amazon.awssdk.services.s3.model.S3Exception s3 && s3.statusCode() == 409)) {
                return;
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warnf("Provider %s: could not create bucket %s (%s)", name, bucket, cause.getClass().getSimpleName());
        }
    }
}
