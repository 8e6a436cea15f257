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
 * large as the largest artifact, for the signed PUTs of the local provider; API bodies are small (and
 * must arrive within {@code artifact-store.api.body-timeout}, as every body: {@link UnreadBodies}).
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
            ctx.next(); // its body's deadline is UnreadBodies', as every route's
        }
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
