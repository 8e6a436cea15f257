package io.artifactstore.security;

import io.artifactstore.config.ArtifactStoreConfig;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Puts {@link VerifiedTokenCache} in front of the parser that verifies every bearer token, and {@link ClaimTypes} after it. */
@Decorator
@Priority(10)
public abstract class CachingJwtParser implements JWTParser {

    @Inject
    @Delegate
    @Any
    JWTParser parser;

    @Inject
    VerifiedTokenCache cache;

    @Inject
    ArtifactStoreConfig config;

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        return cache.get(token, this::verify);
    }

    /**
     * The full check: the types of the claims we read first (smallrye-jwt fails with a
     * ClassCastException, a 500, on a {@code groups} object), then signature, issuer and expiry.
     */
    private JsonWebToken verify(String token) throws ParseException {
        ClaimTypes.check(token, config.auth().tenantClaim());
        return parser.parse(token);
    }
}
