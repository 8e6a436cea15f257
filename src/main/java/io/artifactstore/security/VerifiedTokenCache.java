package io.artifactstore.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.Checksums;
import io.artifactstore.core.WallClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * Tokens whose signature and claims were verified, remembered until they expire or for at most
 * {@code artifact-store.auth.token-cache.ttl}: an RS256 check and a JSON parse cost more than the
 * rest of a typical request, and a client sends the same token many times. Only successful
 * verifications are kept. Entries are keyed by the token's SHA-256, so a lookup never compares a
 * caller's bytes with a valid token's.
 */
@ApplicationScoped
public class VerifiedTokenCache {

    /** The full check of a token: signature, issuer, expiry. */
    @FunctionalInterface
    public interface Verifier {
        JsonWebToken verify(String token) throws ParseException;
    }

    private final Cache<String, JsonWebToken> verified;
    /** The verifier's time: a token it would refuse as expired is never served from here. */
    private final Clock clock;

    @Inject
    public VerifiedTokenCache(ArtifactStoreConfig config, MeterRegistry metrics, @WallClock Clock clock) {
        this(config.auth().tokenCache().maxSize(), config.auth().tokenCache().ttl(), clock);
        if (verified != null) {
            CaffeineCacheMetrics.monitor(metrics, verified, "verified-tokens");
        }
    }

    VerifiedTokenCache(int maxSize, Duration ttl, Clock clock) {
        this.clock = clock;
        this.verified = maxSize <= 0 ? null : Caffeine.newBuilder()
                .maximumSize(maxSize)
                .expireAfter(Expiry.<String, JsonWebToken>creating((key, token) -> trustFor(token, ttl)))
                .recordStats()
                .build();
    }

    /** The token, from the cache while it is still valid there, else as the verifier finds it. */
    public JsonWebToken get(String token, Verifier verifier) throws ParseException {
        if (verified == null) {
            return verifier.verify(token);
        }
        String key = sha256(token);
        JsonWebToken known = verified.getIfPresent(key);
        if (known != null && !expired(known)) {
            return known;
        }
        JsonWebToken fresh = verifier.verify(token);
        if (!expired(fresh)) {
            verified.put(key, fresh);
        }
        return fresh;
    }

    private Duration trustFor(JsonWebToken token, Duration ttl) {
        Duration left = Duration.ofSeconds(token.getExpirationTime()).minusMillis(clock.millis());
        return left.isNegative() ? Duration.ZERO : left.compareTo(ttl) < 0 ? left : ttl;
    }

    private boolean expired(JsonWebToken token) {
        return token.getExpirationTime() * 1000 <= clock.millis();
    }

    private static String sha256(String token) {
        return Base64.getEncoder().encodeToString(Checksums.sha256().digest(token.getBytes(StandardCharsets.US_ASCII)));
    }
}
