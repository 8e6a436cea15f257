package io.artifactstore.api;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every API query parameter, and the {@code Idempotency-Key} header, is given at most once (README,
 * "API reference"): given twice, one layer might read the first and another the last, so the request
 * is refused with a 400 naming it, before any resource sees it.
 */
@ApplicationScoped
public class SingleValues {

    /** The header of idempotent retries (README, "Idempotent retries: Idempotency-Key"). */
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    @Inject
    HttpProblems problems;

    void register(@Observes Router router) {
        // Right after ApiBodyLimit (order -299), before anything reads the body or the parameters.
        router.route("/api/*").order(-298).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String repeated = request.query() == null ? null : repeatedParameter(request);
        if (repeated != null) {
            problems.sendAndClose(ctx, givenTwice("Query parameter", repeated));
        } else if (request.headers().getAll(IDEMPOTENCY_KEY).size() > 1) {
            problems.sendAndClose(ctx, givenTwice("Header", IDEMPOTENCY_KEY));
        } else {
            ctx.next();
        }
    }

    private static ServiceException givenTwice(String what, String name) {
        return new ServiceException(400, "Bad Request", what + " " + name + " is given more than once",
                List.of(new ServiceException.FieldError(name, "may be given only once")));
    }

    /**
     * The first parameter name given twice (names decoded, as JAX-RS reads them), or null; a query that
     * does not decode is left to the resource's own 400.
     */
    private static String repeatedParameter(HttpServerRequest request) {
        Set<String> seen = new HashSet<>();
        for (String pair : request.query().split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name;
            try {
                name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException malformed) {
                return null;
            }
            if (!seen.add(name)) {
                return name;
            }
        }
        return null;
    }
}
