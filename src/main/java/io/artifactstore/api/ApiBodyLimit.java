package io.artifactstore.api;

import io.artifactstore.config.ArtifactStoreConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Bounds JSON request bodies before anything buffers them. The HTTP server's own limit has to be as
 * large as the largest artifact, for the signed PUTs of the local provider; API bodies are small, and
 * must arrive within {@code artifact-store.api.body-timeout}, so a client that trickles one cannot
 * hold a connection and its buffer for long.
 */
@ApplicationScoped
public class ApiBodyLimit {

    static final long MAX_API_BODY = 1024 * 1024;

    @Inject
    HttpProblems problems;

    @Inject
    ArtifactStoreConfig config;

    void register(@Observes Router router) {
        // Right after Quarkus' CORS filter (priority 300: route order -300), so a page can read this refusal
        // too; still before anything reads the body.
        router.route("/api/*").order(-299).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        boolean chunked = ctx.request().getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
        if (chunked && length == null) {
            reject(ctx, 411, "Length Required", "API requests with a body must carry Content-Length");
        } else if (StreamedBodies.matches(ctx.request())) {
            ctx.next(); // a worker's streamed upload: bounded by the variant's declared size, paced by the idle timeout
        } else if (length != null && !fits(length)) {
            reject(ctx, 413, "Content Too Large", "API request bodies are limited to " + MAX_API_BODY + " bytes");
        } else {
            // Only a body still to come: a request without one may be paused, never "ended", until it is answered.
            long declared = length == null ? 0 : Long.parseLong(length.trim());
            if (declared > 0 && !ctx.request().isEnded()) {
                deadline(ctx, declared);
            }
            ctx.next();
        }
    }

    /**
     * A timer on the request's event loop; it ends a request whose body is still arriving when it
     * fires. Arrived means every declared byte was read, not "ended": a request paused once its body
     * is read (a long multipart assembly) may hold its end mark back until it is answered.
     */
    private void deadline(RoutingContext ctx, long declared) {
        long timer = ctx.vertx().setTimer(config.api().bodyTimeout().toMillis(), id -> {
            if (ctx.request().bytesRead() < declared && !ctx.request().isEnded() && !ctx.response().ended()) {
                reject(ctx, 408, "Request Timeout", "The request body did not arrive within " + config.api().bodyTimeout().toSeconds() + " s");
            }
        });
        ctx.addEndHandler(ended -> ctx.vertx().cancelTimer(timer));
    }

    private void reject(RoutingContext ctx, int status, String title, String detail) {
        problems.sendAndClose(ctx, new ServiceException(status, title, detail));
    }

    private static boolean fits(String length) {
        try {
            long value = Long.parseLong(length.trim());
            return value >= 0 && value <= MAX_API_BODY;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
