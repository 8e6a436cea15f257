package io.artifactstore.api;

import io.artifactstore.config.ArtifactStoreConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds JSON request bodies before anything buffers them. The HTTP server's own limit has to be as
 * large as the largest artifact, for the signed PUTs of the local provider; API bodies are small (and
 * must arrive within {@code artifact-store.api.body-timeout}, as every body: {@link UnreadBodies}), and
 * the large ones arriving at once are held to {@code artifact-store.api.max-buffered-bodies}.
 */
@ApplicationScoped
public class ApiBodyLimit {

    static final long MAX_API_BODY = 1024 * 1024;
    /**
     * Bodies up to this size (a ticket request is a few hundred bytes) are never held to the budget of
     * bodies arriving at once, so a flood of large ones cannot lock ordinary calls out.
     */
    static final long SMALL_API_BODY = 64 * 1024;

    /** Bytes of the API bodies being received now, by their Content-Length. */
    private final AtomicLong buffering = new AtomicLong();

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
            // Its deadline is UnreadBodies', as every route's.
            long declared = length == null ? 0 : Long.parseLong(length.trim());
            if (declared > 0 && readsBody(ctx.request().method()) && !ctx.request().isEnded() && !reserve(ctx, declared)) {
                reject(ctx, ServiceException.unavailable("Too many API request bodies are arriving at once", 1));
                return;
            }
            ctx.next();
        }
    }

    /**
     * Counts a body against {@code artifact-store.api.max-buffered-bodies} until its request is
     * answered: each is held whole before it is parsed, so many arriving slowly at once would otherwise
     * fill the heap. A small body (a ticket request) is refused only at twice the budget, so large
     * ones cannot starve it, and the heap held is still bounded whatever clients announce.
     */
    private boolean reserve(RoutingContext ctx, long declared) {
        long budget = config.api().maxBufferedBodies().asLongValue();
        long limit = declared <= SMALL_API_BODY ? 2 * budget : budget;
        if (buffering.addAndGet(declared) > limit) {
            buffering.addAndGet(-declared);
            return false;
        }
        ctx.addEndHandler(ended -> buffering.addAndGet(-declared));
        return true;
    }

    /** Only the API's POST and PUT operations read a body; any other call's is never buffered. */
    private static boolean readsBody(HttpMethod method) {
        return method == HttpMethod.POST || method == HttpMethod.PUT;
    }

    private void reject(RoutingContext ctx, int status, String title, String detail) {
        reject(ctx, new ServiceException(status, title, detail));
    }

    private void reject(RoutingContext ctx, ServiceException refusal) {
        problems.sendAndClose(ctx, refusal);
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
