package io.artifactstore.resilience;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.provider.CallerContext;
import io.artifactstore.provider.DownloadTarget;
import io.artifactstore.provider.IncomingSweep;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.provider.ObjectInfo;
import io.artifactstore.provider.ObjectListing;
import io.artifactstore.provider.ServerSideCopy;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.provider.UploadTarget;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.util.TypeLiteral;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import java.nio.ByteBuffer;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Any provider behind one guard, named after it: a timeout, retries with exponential backoff and
 * jitter on temporary failures only, a circuit breaker and a bulkhead around every remote call.
 * Presigning is local computation and streams cannot be replayed, so those pass unguarded. Every
 * call's outcome is delivered back on the caller's Vert.x context (SDK clients answer on their own
 * threads), so no call site has to remember it. The layer has exactly the abilities of what it
 * wraps. No call throws: a provider that throws instead of failing its Uni fails it here. The
 * provider knows nothing of this; like an OpenDAL layer, it composes.
 */
public final class ResilientProvider implements StorageProvider {

    private static final TypeLiteral<Uni<Object>> UNI = new TypeLiteral<>() {
    };

    private final StorageProvider delegate;
    private final String breakerName;
    private final Guard guard;
    private final MeterRegistry metrics;

    public ResilientProvider(StorageProvider delegate, ArtifactStoreConfig.Resilience settings, MeterRegistry metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
        this.breakerName = "provider-" + delegate.name();
        long retryDelay = settings.retryDelay().toMillis();
        long maxRetryDelay = Math.max(retryDelay, settings.maxRetryDelay().toMillis());
        long timeout = settings.timeout().toMillis();
        this.guard = Guard.create()
                .withDescription(breakerName)
                .withRetry()
                    .maxRetries(settings.maxRetries())
                    .delay(retryDelay, ChronoUnit.MILLIS)
                    .jitter(Math.max(1, retryDelay / 2), ChronoUnit.MILLIS)
                    .maxDuration((timeout + maxRetryDelay) * (settings.maxRetries() + 1) + 1, ChronoUnit.MILLIS)
                    .whenException(ResilientProvider::temporary)
                    .withExponentialBackoff().factor(2).maxDelay(maxRetryDelay, ChronoUnit.MILLIS).done()
                    .done()
                .withCircuitBreaker()
                    .name(breakerName)
                    .requestVolumeThreshold(settings.failureWindow())
                    .failureRatio(settings.failureRatio())
                    .delay(settings.openDelay().toMillis(), ChronoUnit.MILLIS)
                    .successThreshold(settings.successThreshold())
                    .when(ResilientProvider::temporary)
                    .done()
                .withTimeout().duration(timeout, ChronoUnit.MILLIS).done()
                .withBulkhead().limit(settings.maxConcurrentCalls()).queueSize(settings.maxQueuedCalls()).done()
                .build();
    }

    public CircuitBreakerState circuitState() {
        return CircuitBreakerMaintenance.get().currentState(breakerName);
    }

    public String breakerName() {
        return breakerName;
    }

    public StorageProvider unwrap() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public String type() {
        return delegate.type();
    }

    @Override
    public Uni<SignedRequest> presignUpload(UploadTarget target) {
        try { // no deferred Uni: presigning is the hot path, and a try costs nothing
            return delegate.presignUpload(target);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
    }

    @Override
    public Uni<SignedRequest> presignDownload(DownloadTarget target) {
        try {
            return delegate.presignDownload(target);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
    }

    @Override
    public Uni<Optional<ObjectInfo>> stat(StorageKey key) {
        return guarded("stat", () -> delegate.stat(key));
    }

    @Override
    public Uni<Void> delete(StorageKey key) {
        return guarded("delete", () -> delegate.delete(key));
    }

    @Override
    public Uni<ObjectInfo> write(StorageKey key, String contentType, long size, Multi<ByteBuffer> body) {
        return CallerContext.resumeOnCaller(Uni.createFrom().deferred(() -> delegate.write(key, contentType, size, body)));
    }

    @Override
    public Multi<ByteBuffer> read(StorageKey key) {
        return CallerContext.resumeOnCaller(Multi.createFrom().deferred(() -> delegate.read(key)));
    }

    @Override
    public Uni<byte[]> read(StorageKey key, long offset, int length) {
        return guarded("read", () -> delegate.read(key, offset, length));
    }

    @Override
    public Uni<Void> probe() {
        return guarded("probe", delegate::probe);
    }

    /** The wrapped provider's abilities, each guarded like every other call; none it lacks. */
    @Override
    public <A> Optional<A> ability(Class<A> kind) {
        if (kind == ServerSideCopy.class) {
            return delegate.ability(ServerSideCopy.class)
                    .map(copier -> kind.cast((ServerSideCopy) (from, to) -> guarded("copy", () -> copier.copy(from, to))));
        }
        if (kind == MultipartUploads.class) {
            return delegate.ability(MultipartUploads.class).map(multipart -> kind.cast(new GuardedMultipart(multipart)));
        }
        if (kind == IncomingSweep.class) { // local housekeeping, no store call to guard
            return delegate.ability(kind);
        }
        if (kind == ObjectListing.class) {
            return delegate.ability(ObjectListing.class).map(listing -> kind.cast((ObjectListing) (prefix, startAfter, limit) ->
                    guarded("list", () -> listing.list(prefix, startAfter, limit))));
        }
        return Optional.empty(); // an ability this layer does not know how to guard is not handed out unguarded
    }

    @Override
    public long digestReadLimit() {
        return delegate.digestReadLimit();
    }

    @Override
    public long maxSinglePutSize() {
        return delegate.maxSinglePutSize();
    }

    @Override
    public long writeBufferSize(long size) {
        return delegate.writeBufferSize(size);
    }

    @Override
    public boolean writesInParts(long size) {
        return delegate.writesInParts(size);
    }

    /**
     * Multipart calls through the provider's guard; presigning a part is local computation and
     * completing one moves every byte of the object (minutes for a large one), so those two pass unguarded.
     */
    private final class GuardedMultipart implements MultipartUploads {

        private final MultipartUploads multipart;

        GuardedMultipart(MultipartUploads multipart) {
            this.multipart = multipart;
        }

        @Override
        public Limits partLimits() {
            return multipart.partLimits();
        }

        @Override
        public Uni<String> startMultipart(StorageKey key, String contentType, long size) {
            return guarded("multipart-start", () -> multipart.startMultipart(key, contentType, size));
        }

        @Override
        public Uni<SignedRequest> presignPart(StorageKey key, String uploadId, int partNumber, long partSize, java.time.Duration ttl) {
            try {
                return multipart.presignPart(key, uploadId, partNumber, partSize, ttl);
            } catch (RuntimeException e) {
                return Uni.createFrom().failure(e);
            }
        }

        @Override
        public Uni<java.util.List<Part>> listParts(StorageKey key, String uploadId) {
            return guarded("multipart-list", () -> multipart.listParts(key, uploadId));
        }

        @Override
        public Uni<ObjectInfo> completeMultipart(StorageKey key, String uploadId, java.util.List<CompletedPart> parts, long size, String sha256) {
            // Assembling is a long data operation, like write: no timeout to cut it short, no retry to start it over.
            return CallerContext.resumeOnCaller(Uni.createFrom().deferred(() -> multipart.completeMultipart(key, uploadId, parts, size, sha256)));
        }

        @Override
        public Uni<Void> abortMultipart(StorageKey key, String uploadId) {
            return guarded("multipart-abort", () -> multipart.abortMultipart(key, uploadId));
        }

        @Override
        public Uni<Void> abortAllAt(StorageKey key) {
            return guarded("multipart-abort", () -> multipart.abortAllAt(key));
        }

        @Override
        public Uni<java.util.List<String>> uploadsAt(StorageKey key) {
            return guarded("multipart-list", () -> multipart.uploadsAt(key));
        }
    }

    /**
     * Whether trying again may pass: the guard's own timeout, or a failure the provider reports as
     * temporary. Only these are retried and count against the breaker; anything else (a missing
     * object, a refusal, an open breaker) is the caller's business.
     */
    public static boolean temporary(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof TimeoutException || (cause instanceof StoreFailure f && f.temporary());
    }

    /** Runs the call through the guard and times it, retries included, as the caller experiences it. */
    @SuppressWarnings("unchecked")
    private <T> Uni<T> guarded(String operation, Supplier<Uni<T>> call) {
        return CallerContext.resumeOnCaller(Uni.createFrom().deferred(() -> {
            Timer.Sample sample = Timer.start(metrics);
            return ((Uni<T>) guard.get(() -> (Uni<Object>) (Uni<?>) call.get(), UNI))
                    .onItemOrFailure().invoke((item, failure) -> sample.stop(Timer.builder("artifact_store_provider_operation")
                            .description("Calls to storage providers, through their guard")
                            .tags("provider", delegate.name(), "operation", operation, "outcome", outcome(failure))
                            .register(metrics)));
        }));
    }

    private static String outcome(Throwable failure) {
        if (failure == null) {
            return "success";
        }
        if (failure instanceof CircuitBreakerOpenException || failure instanceof BulkheadException) {
            return "rejected";
        }
        return failure instanceof TimeoutException ? "timeout" : "failure";
    }
}
