package io.artifactstore.provider.s3;

import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Credentials for presigning that never block the caller. The default chain may do I/O (an instance
 * metadata or STS call) whenever its credentials go stale; presigning runs on the event loop, so it
 * reads a copy that a thread of its own resolves at start-up and refreshes before it expires.
 */
final class CachedCredentials implements AwsCredentialsProvider, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CachedCredentials.class);
    /** Refresh at least this often, and at half the remaining lifetime of expiring credentials. */
    static final Duration MAX_AGE = Duration.ofMinutes(5);
    private static final Duration RETRY = Duration.ofSeconds(10);

    private final String providerName;
    private final AwsCredentialsProvider source;
    private final Clock clock;
    private final ScheduledExecutorService refresher;
    private volatile AwsCredentials current;

    private CachedCredentials(String providerName, AwsCredentialsProvider source, Clock clock) {
        this.providerName = providerName;
        this.source = source;
        this.clock = clock;
        this.refresher = source instanceof StaticCredentialsProvider ? null
                : Executors.newSingleThreadScheduledExecutor(task -> {
                    Thread thread = new Thread(task, "s3-credentials-" + providerName);
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** Resolves once now (on the caller's thread: start-up) and keeps refreshing in the background. */
    static CachedCredentials of(String providerName, AwsCredentialsProvider source, Clock clock) {
        CachedCredentials credentials = new CachedCredentials(providerName, source, clock);
        credentials.refresh();
        return credentials;
    }

    @Override
    public AwsCredentials resolveCredentials() {
        AwsCredentials credentials = current;
        if (credentials == null) {
            throw new IllegalStateException("No credentials for provider " + providerName + " could be resolved yet");
        }
        return credentials;
    }

    private void refresh() {
        Duration next;
        try {
            current = source.resolveCredentials();
            next = nextRefresh(current);
        } catch (RuntimeException e) {
            LOG.warnf("Provider %s: could not resolve credentials (%s); retrying in %ds", providerName,
                    e.getClass().getSimpleName(), RETRY.toSeconds());
            next = RETRY;
        }
        if (refresher != null) {
            refresher.schedule(this::refresh, next.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private Duration nextRefresh(AwsCredentials credentials) {
        Duration left = credentials.expirationTime().map(expiry -> Duration.between(clock.instant(), expiry))
                .orElse(MAX_AGE);
        Duration half = left.dividedBy(2);
        return half.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                : half.compareTo(MAX_AGE) > 0 ? MAX_AGE : half;
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }
}
