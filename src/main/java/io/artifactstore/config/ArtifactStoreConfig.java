package io.artifactstore.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;
import jakarta.validation.constraints.Min;
import org.hibernate.validator.constraints.time.DurationMin;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The whole service configuration: one typed tree under {@code artifact-store} (README "Configuration reference"). */
@ConfigMapping(prefix = "artifact-store")
public interface ArtifactStoreConfig {

    /** Base URL of the signed URLs the service serves itself (the local provider). */
    @WithDefault("http://localhost:8080")
    String publicUrl();

    Auth auth();

    Signing signing();

    /** Upload policy per artifact type; keys are type names (image, video, ...). */
    Map<String, TypePolicy> types();

    /**
     * Upload policy per variant name, for variants whose kind does not follow the artifact's type (a
     * video's {@code thumbnail} is an image); a variant named here is checked against this policy
     * instead of its type's.
     */
    Map<String, TypePolicy> variants();

    /** Configured storage providers by name. */
    Map<String, Provider> providers();

    Routing routing();

    Health health();

    Lifecycle lifecycle();

    ContentChecks contentChecks();

    /** Magic-byte checks of image, video and audio uploads on complete (see {@code artifact.ContentCheck}). */
    interface ContentChecks {
        @WithDefault("true")
        boolean enabled();
    }

    /** Housekeeping over time (README "Replacing a variant and expiry"). */
    interface Lifecycle {
        /** How often each replica sweeps what is due (tombstoned objects, expired uploads, intermediates). */
        @WithDefault("1m")
        Duration reaperInterval();

        /**
         * How long after its ticket expires an upload may still land: a store such as S3 checks a
         * presigned URL's expiry when a request starts, not when a long upload ends.
         */
        @WithDefault("1h")
        Duration pendingGrace();

        /** Age after which an {@code intermediate} artifact is deleted entirely, like a DELETE. */
        @WithDefault("24h")
        Duration intermediateTtl();

        /** Reconciliation deletes an object without a record only once it is this old: an upload may be landing. */
        @WithDefault("1h")
        Duration orphanGrace();
    }

    Idempotency idempotency();

    /** Replays of requests sent with an Idempotency-Key header (README "API reference"). */
    interface Idempotency {
        /** How long a key and its stored answer are kept; after that the key acts as new. */
        @WithDefault("24h")
        Duration ttl();

        /**
         * How long a key stays locked by a request that never finished (its replica died): after this,
         * a retry with the same request runs again instead of answering 409.
         */
        @WithDefault("1h")
        Duration inProgressTimeout();
    }

    Audit audit();

    /** The audit trail ({@code GET /api/v1/audit}). */
    interface Audit {
        /** How long an event is kept; older ones are purged by the housekeeping tick. At least a day: zero would purge all. */
        @WithDefault("400d")
        @DurationMin(days = 1)
        Duration retention();
    }

    Reconcile reconcile();

    /** Orphan reconciliation jobs ({@code POST /api/v1/admin/reconcile}). */
    interface Reconcile {
        /** Objects and records read per page on each side; the job never holds more keys than two pages. */
        @WithDefault("500")
        int pageSize();

        /** A RUNNING job whose progress has not moved for this long is reported FAILED: its replica is gone. */
        @WithDefault("5m")
        Duration staleAfter();

        /**
         * Tenants whose admins operate the whole service: they may reconcile any prefix, every tenant's
         * keys included. Any other admin reconciles only its own tenant's keys.
         */
        Optional<List<String>> operatorTenants();
    }

    Metadata metadata();

    /** Bounds of an artifact's metadata besides its fixed ones (64 keys per object, keys of at most 128 characters). */
    interface Metadata {
        /** Its JSON text at most, in UTF-8: every answer that lists artifacts carries it (S3 allows 2K of user metadata). */
        @WithDefault("8K")
        MemorySize maxSize();
    }

    Quotas quotas();

    /** Per-tenant limits (README "API reference"); a limit left unset is no limit, and no query checks it. */
    interface Quotas {
        /** Limits of every tenant not named under {@code tenants}, or of the settings a named one leaves unset. */
        @WithName("default")
        Limits defaults();

        /** Per tenant id; each setting given here beats the default's. */
        Map<String, Limits> tenants();
    }

    interface Limits {
        /** Declared bytes of PENDING and AVAILABLE variants, with units ({@code 10G}). */
        Optional<MemorySize> maxBytes();

        /** Artifacts with a PENDING or AVAILABLE variant. */
        OptionalLong maxArtifacts();
    }

    Uploads uploads();

    Api api();

    /**
     * Bounds of the local provider's signed PUTs: every upload holds a socket, an open file and heap
     * until it ends, so their number and their duration are capped. And of the heap streamed uploads hold.
     */
    interface Uploads {
        /** Uploads in progress at once, over all URLs; one more is refused with 503 before any file is opened. */
        @WithDefault("64")
        int maxConcurrent();

        /**
         * Uploads in progress at once for one tenant (the first segment of the storage key), so that
         * one tenant's slow clients cannot take every slot; unset: a quarter of {@code max-concurrent}.
         */
        Optional<Integer> maxConcurrentPerTenant();

        /** Slowest accepted transfer, in bytes per second, averaged over {@code rate-window}; slower ones end with 408. */
        @WithDefault("4K")
        MemorySize minRate();

        @WithDefault("30s")
        Duration rateWindow();

        /** How long after its URL expires an upload in progress may still run before it is ended with 408. */
        @WithDefault("30s")
        Duration expiryGrace();

        /**
         * Heap that streamed uploads ({@code PUT .../content}) may hold in part buffers at once, over all
         * of them (S3: one part each above the stream-multipart-threshold); one more is refused with 503.
         */
        @WithDefault("24M")
        MemorySize streamBufferBudget();

        /**
         * Multipart uploads of one variant (or of its pending replacement) open at once: each may hold
         * parts up to the variant's size on its store until it is completed, aborted or expires.
         */
        @WithDefault("4")
        int maxMultipartPerVariant();
    }

    interface Api {
        /** Longest time an API request may take to send its body; a slower one ends with 408. */
        @WithDefault("10s")
        Duration bodyTimeout();

        /**
         * API bodies being received at once, by their Content-Length: each is held whole before it is
         * parsed, so their sum is capped; one more is refused with 503 before it is read.
         */
        @WithDefault("8M")
        MemorySize maxBufferedBodies();
    }

    Connections connections();

    /**
     * Bounds of the TCP connections of both ports (API and management): each holds a socket and
     * buffers, so their number is capped in total and per client address, and one that does not
     * finish its first request head in time is closed.
     */
    interface Connections {
        /** Connections open at once on each port; one more is closed as soon as it is accepted. */
        @WithDefault("4096")
        @Min(1)
        int maxTotal();

        /**
         * Connections open at once from one client address on each port. Behind a proxy or load balancer
         * every client shares its address: raise this to about {@code max-total} there.
         */
        @WithDefault("512")
        @Min(1)
        int maxPerAddress();

        /** Longest time a new connection may take to send its first request head; a slower one is closed. */
        @WithDefault("10s")
        @DurationMin(millis = 100)
        Duration headTimeout();
    }

    Downloads downloads();

    /**
     * Bounds of the local provider's signed GETs: each holds an open file and a socket until its reader
     * has taken the bytes.
     */
    interface Downloads {
        /** Downloads sending their bytes at once, over all URLs; one more is refused with 503 before any file is opened. */
        @WithDefault("256")
        int maxConcurrent();

        /** Downloads at once through one signed URL, a bearer link anyone holding it can replay; one more is refused with 503. */
        @WithDefault("16")
        int maxPerUrl();
    }

    Responses responses();

    /**
     * Bounds of what readers that do not read can hold on the API port: every answer (API calls, the
     * OpenAPI document, signed GETs) waits in the service until its reader takes it.
     */
    interface Responses {
        /**
         * A connection whose unsent answer has taken less than {@code min-rate} per second over this
         * window is closed: a reader that does not read is dropped after one to two windows.
         */
        @WithDefault("20s")
        @DurationMin(seconds = 1)
        Duration stallTimeout();

        /** Slowest accepted reading, in bytes per second, averaged over {@code stall-timeout}. */
        @WithDefault("1K")
        MemorySize minRate();

        /** Unsent answer bytes held for all connections together; the connection whose answer goes over it is closed. */
        @WithDefault("24M")
        MemorySize maxBacklog();
    }

    Process process();

    /** The process ends rather than stay half alive (README, "Prod mode"), so that its supervisor restarts it. */
    interface Process {
        /** An event loop that has not run a ping for this long (blocked, or dead after an error) halts the process; 0s turns the watchdog off. */
        @WithDefault("30s")
        Duration eventLoopDeadline();

        /** A shutdown (SIGTERM) still running after this long is cut short by a halt. */
        @WithDefault("30s")
        @DurationMin(seconds = 1)
        Duration shutdownDeadline();
    }

    ApiDocs apiDocs();

    /** The OpenAPI document and Swagger UI; Quarkus reads this through quarkus.smallrye-openapi.enabled and quarkus.swagger-ui.enabled. */
    interface ApiDocs {
        /** Serve them on the API port; application.properties turns them on in dev mode and tests. */
        @WithDefault("false")
        boolean enabled();
    }

    Cors cors();

    /** Browsers on other origins; Quarkus' CORS filter reads this through quarkus.http.cors.origins. */
    interface Cors {
        /** Allowed origins (exact, or a /regex/); none: same-origin only. Env: ARTIFACT_STORE_CORS_ORIGINS. */
        Optional<List<String>> origins();
    }

    interface Health {
        /** How often every provider is probed through its guard; an outage opens its breaker from these. */
        @WithDefault("5s")
        Duration probeInterval();
    }

    StoredBytes storedBytes();

    /** The {@code artifact_store_stored_bytes} gauge. */
    interface StoredBytes {
        /** How often one replica recomputes the bytes per provider (a scan of every variant) and every replica reads them. */
        @WithDefault("30s")
        Duration refreshInterval();
    }

    interface Auth {
        /** Name of the JWT claim that carries the tenant id. */
        @WithDefault("tenant_id")
        String tenantClaim();

        TokenCache tokenCache();
    }

    /** Verified tokens are remembered, so a caller's next request skips the signature check. */
    interface TokenCache {
        /** How many verified tokens to remember (about 2.3 KiB of heap each for a 550-byte token); 0 turns the cache off. */
        @WithDefault("2000")
        int maxSize();

        /** The longest a token is trusted without a fresh check; never beyond its own exp. */
        @WithDefault("60s")
        Duration ttl();
    }

    interface Signing {
        /** HMAC secret of the local provider's signed URLs (at least 32 characters). */
        String secret();

        /** Secrets that were current before a rotation: URLs signed with them stay valid until they expire. */
        Optional<List<String>> previousSecrets();

        @WithDefault("15m")
        Duration uploadTtl();

        @WithDefault("1h")
        Duration downloadTtl();

        /** Hard upper bound of any signed URL's lifetime. */
        @WithDefault("7d")
        Duration maxTtl();

        /** How long a multipart upload may take from its start: its part URLs are signed until then at most. */
        @WithDefault("24h")
        Duration multipartTtl();
    }

    interface TypePolicy {
        /** Allowed content types; {@code type/*} and {@code *}{@code /*} globs are accepted. */
        List<String> contentTypes();

        MemorySize maxSize();
    }

    interface Provider {
        /** Provider type: {@code local}, or a type contributed by a {@code ProviderFactory} plug-in. */
        String type();

        /** How calls to this provider are guarded. */
        Resilience resilience();

        /** Every other setting of the provider (root, bucket, endpoint ...), read by its factory. */
        @WithParentName
        Map<String, String> settings();
    }

    /** The guard around one provider: every remote call gets a timeout, retries and a circuit breaker. */
    interface Resilience {
        /** Longest wait for one attempt. */
        @WithDefault("10s")
        Duration timeout();

        /** Retries of a transient failure (connection errors, timeouts, 5xx, throttling); never of a 4xx. */
        @WithDefault("2")
        int maxRetries();

        /** First retry delay, doubling up to {@code max-retry-delay}, with jitter of half the delay. */
        @WithDefault("100ms")
        Duration retryDelay();

        @WithDefault("2s")
        Duration maxRetryDelay();

        /** The breaker opens when {@code failure-ratio} of the last {@code failure-window} calls failed. */
        @WithDefault("8")
        int failureWindow();

        @WithDefault("0.5")
        double failureRatio();

        /** How long an open breaker waits before letting trial calls through (half-open). */
        @WithDefault("10s")
        Duration openDelay();

        /** Successful trial calls that close a half-open breaker. */
        @WithDefault("2")
        int successThreshold();

        /** Concurrent calls allowed, and calls queued beyond them, before new ones are refused. */
        @WithDefault("64")
        int maxConcurrentCalls();

        @WithDefault("256")
        int maxQueuedCalls();
    }

    interface Routing {
        /** Provider of every upload no rule matches. */
        String defaultProvider();

        /** Ordered rules; the first whose conditions all hold chooses the provider. */
        List<Rule> rules();

        interface Rule {
            String name();

            /** Conditions; an absent one holds for every upload. */
            When when();

            String provider();

            /** Providers to try, in order, when the chosen one cannot take the upload. */
            Optional<List<String>> fallbacks();
        }

        interface When {
            Optional<List<String>> types();

            /** Globs such as {@code video/*}. */
            Optional<List<String>> contentTypes();

            /** Inclusive bounds with units ({@code 100M}). */
            Optional<String> minSize();

            Optional<String> maxSize();

            Optional<List<String>> tenants();

            /** Board id globs such as {@code campaign-*}. */
            Optional<List<String>> boards();

            /** Metadata entries that must be present with exactly these values. */
            Map<String, String> metadata();
        }
    }

    /** Where the local provider keeps its files when none is configured. */
    static Path defaultLocalRoot() {
        return Path.of("data", "artifacts");
    }
}
