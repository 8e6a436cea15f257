package io.artifactstore.idempotency;

import jakarta.interceptor.InterceptorBinding;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A resource method that takes an {@code Idempotency-Key} (README, "Idempotent retries:
 * Idempotency-Key"): {@link IdempotentInterceptor} runs it under the key. The method answers
 * {@code Uni<Response>} and declares the header as a {@code @HeaderParam(IdempotentCalls.HEADER)}
 * parameter, so that the API description names it; what tells its requests apart is read from its
 * JAX-RS annotations ({@link IdempotentRoute}), never written in the method.
 */
@InterceptorBinding
@Target({ElementType.METHOD, ElementType.TYPE}) // TYPE: the interceptor class names its binding
@Retention(RetentionPolicy.RUNTIME)
public @interface Idempotent {
}
