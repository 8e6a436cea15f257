package io.artifactstore.security;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The cache in front of a real RS256 verifier: what it may skip, and what it must never keep. */
class VerifiedTokenCacheTest {

    private static KeyPair keys;
    private static DefaultJWTParser parser;
    private final AtomicInteger verifications = new AtomicInteger();

    @BeforeAll
    static void keysAndParser() throws Exception {
        keys = rsaKeyPair();
        JWTAuthContextInfo context = new JWTAuthContextInfo(keys.getPublic(), "issuer");
        context.setClockSkew(0);
        context.setExpGracePeriodSecs(0);
        parser = new DefaultJWTParser(context);
    }

    @Test
    void aVerifiedTokenIsNotVerifiedAgain() throws Exception {
        VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), Clock.systemUTC());
        String token = token(Duration.ofMinutes(5));

        JsonWebToken first = cache.get(token, this::verify);
        JsonWebToken second = cache.get(token, this::verify);

        assertSame(first, second);
        assertEquals(1, verifications.get());
        assertEquals("acme", second.getClaim("tenant_id"));
    }

    @Test
    void aRefusedTokenIsCheckedEveryTime() throws Exception {
        VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), Clock.systemUTC());
        String forged = Jwt.issuer("issuer").claim("tenant_id", "acme").expiresIn(Duration.ofMinutes(5))
                .jws().algorithm(SignatureAlgorithm.RS256).sign(rsaKeyPair().getPrivate());

        assertThrows(ParseException.class, () -> cache.get(forged, this::verify));
        assertThrows(ParseException.class, () -> cache.get(forged, this::verify));
        assertEquals(2, verifications.get());
    }

    @Test
    void aCachedTokenIsRefusedOnceItExpires() throws Exception {
        VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), Clock.systemUTC());
        String token = token(Duration.ofSeconds(2));
        cache.get(token, this::verify);

        Thread.sleep(2_100);

        assertThrows(ParseException.class, () -> cache.get(token, this::verify));
        assertEquals(2, verifications.get());
    }

    @Test
    void expiryIsJudgedOnTheClockItIsGiven() throws Exception {
        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));
        VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMinutes(1), later);
        String token = token(Duration.ofMinutes(5)); // valid for the verifier, expired by the cache's clock

        cache.get(token, this::verify);
        cache.get(token, this::verify);

        assertEquals(2, verifications.get());
    }

    @Test
    void theTtlBoundsHowLongATokenIsTrustedWithoutACheck() throws Exception {
        VerifiedTokenCache cache = new VerifiedTokenCache(100, Duration.ofMillis(200), Clock.systemUTC());
        String token = token(Duration.ofMinutes(5));
        cache.get(token, this::verify);

        Thread.sleep(300);
        cache.get(token, this::verify);

        assertEquals(2, verifications.get());
    }

    @Test
    void sizeZeroVerifiesEveryRequest() throws Exception {
        VerifiedTokenCache cache = new VerifiedTokenCache(0, Duration.ofMinutes(1), Clock.systemUTC());
        String token = token(Duration.ofMinutes(5));

        cache.get(token, this::verify);
        cache.get(token, this::verify);

        assertEquals(2, verifications.get());
    }

    private JsonWebToken verify(String token) throws ParseException {
        verifications.incrementAndGet();
        return parser.parse(token);
    }

    private static KeyPair rsaKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static String token(Duration lifetime) {
        return Jwt.issuer("issuer").subject("user").claim("tenant_id", "acme").expiresIn(lifetime)
                .jws().algorithm(SignatureAlgorithm.RS256).sign(keys.getPrivate());
    }
}
