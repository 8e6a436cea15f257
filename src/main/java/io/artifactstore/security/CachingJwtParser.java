package io.artifactstore.security;

import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Puts {@link VerifiedTokenCache} in front of the parser that verifies every bearer token. */
@Decorator
@Priority(10)
public abstract class CachingJwtParser implements JWTParser {

    @Inject
    @Delegate
    @Any
    JWTParser parser;

    @Inject
    VerifiedTokenCache cache;

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        return cache.get(token, parser::parse);
    }
}
