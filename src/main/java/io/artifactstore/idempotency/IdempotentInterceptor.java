package io.artifactstore.idempotency;

import io.artifactstore.security.CurrentTenant;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.ws.rs.core.Response;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs each {@link Idempotent} resource method under the request's {@code Idempotency-Key}, if it
 * has one (README, "Idempotent retries: Idempotency-Key"); without the header the method just runs.
 * The request is told apart by its route ({@link IdempotentRoute}), so resources write no paths.
 * Inside bean validation (priority PLATFORM_AFTER + 800): a body that fails its constraints is
 * refused before a key is claimed, as before any other call.
 */
@Idempotent
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_AFTER + 900)
public class IdempotentInterceptor {

    /** Each route is read from its annotations once. */
    private final Map<Method, IdempotentRoute> routes = new ConcurrentHashMap<>();

    @Inject
    IdempotentCalls calls;

    @Inject
    CurrentTenant tenant;

    @Inject
    CurrentVertxRequest current;

    @AroundInvoke
    Object runUnderTheKey(InvocationContext invocation) throws Exception {
        HttpServerRequest request = current.getCurrent().request();
        // As sent: Quarkus REST would hand an empty value over as null, and an empty key is refused, not ignored.
        String key = request.getHeader(IdempotentCalls.HEADER);
        if (key == null) {
            return invocation.proceed();
        }
        IdempotentRoute route = routes.computeIfAbsent(invocation.getMethod(), IdempotentRoute::of);
        Object[] arguments = invocation.getParameters();
        // The instance of a kept problem is the raw path, as api.ProblemMapper writes it, so a replay is byte for byte the first answer.
        return calls.run(tenant.id(), key,
                () -> route.fingerprint(arguments, request.getHeader(HttpHeaders.CONTENT_LENGTH), calls::canonicalJson),
                request.path(), () -> proceed(invocation));
    }

    @SuppressWarnings("unchecked")
    private static Uni<Response> proceed(InvocationContext invocation) {
        try {
            return (Uni<Response>) invocation.proceed();
        } catch (Exception e) {
            // A resource method that throws (a malformed id) is answered as if its Uni failed: kept like any final answer.
            return Uni.createFrom().failure(e);
        }
    }
}
