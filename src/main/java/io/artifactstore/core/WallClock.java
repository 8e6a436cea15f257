package io.artifactstore.core;

import jakarta.inject.Qualifier;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The real time, for a time that someone else checks against their own: the signatures and
 * credentials an external store verifies, a token's expiry as the JWT verifier reads it. Tests move
 * the service's clock ({@link ServiceClock}), never this one.
 */
@Qualifier
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE})
public @interface WallClock {
}
