package io.artifactstore.api;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * {@code X-Content-Type-Options: nosniff} on every answer of the service, API, signed URLs and errors
 * alike (README, "Serving downloads safely"): a browser then never guesses a type it would run.
 */
@ApplicationScoped
public class NoSniff {

    void register(@Observes Router router) {
        router.route().order(-1000).handler(NoSniff::mark);
    }

    private static void mark(RoutingContext ctx) {
        // At the head's writing: an error answer that clears the headers set so far keeps it too.
        ctx.addHeadersEndHandler(ignored -> ctx.response().headers().set("X-Content-Type-Options", "nosniff"));
        ctx.next();
    }
}
