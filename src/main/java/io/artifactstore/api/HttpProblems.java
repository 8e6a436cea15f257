package io.artifactstore.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.UUID;

/** problem+json answers for the plain Vert.x routes, with the same rules as {@link ProblemMapper}. */
@ApplicationScoped
public class HttpProblems {

    private static final Logger LOG = Logger.getLogger(HttpProblems.class);

    @Inject
    ObjectMapper json;

    public void send(RoutingContext ctx, Throwable failure) {
        retryAfter(ctx, failure);
        write(ctx, toProblem(failure, ctx.request().path()), false);
    }

    /** Answers and closes the connection, for a request whose body was refused before it was read. */
    public void sendAndClose(RoutingContext ctx, Throwable failure) {
        retryAfter(ctx, failure);
        write(ctx, toProblem(failure, ctx.request().path()), true);
    }

    private static void retryAfter(RoutingContext ctx, Throwable failure) {
        if (failure instanceof ServiceException e && e.retryAfterSeconds() != null && !ctx.response().headWritten()) {
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds().toString());
        }
    }

    public void send(RoutingContext ctx, int status, String title, String detail) {
        write(ctx, Problem.of(status, title, detail, ctx.request().path()), false);
    }

    /** The problem of a failure: a {@link ServiceException} as it is, anything else as an opaque 500. */
    public static Problem toProblem(Throwable failure, String instance) {
        if (failure instanceof ServiceException e) {
            return new Problem("about:blank", e.title(), e.status(), e.getMessage(), instance, e.errors());
        }
        String errorId = UUID.randomUUID().toString();
        // Exception messages may carry SQL or keys: log only the type chain, with an id the client can quote.
        LOG.errorf("Unexpected failure %s on %s: %s", errorId, instance, causeChain(failure));
        return Problem.of(500, "Internal Server Error", "Unexpected failure; error id " + errorId, instance);
    }

    static String causeChain(Throwable e) {
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null && chain.length() < 500; t = t.getCause()) {
            chain.append(chain.length() == 0 ? "" : " <- ").append(t.getClass().getName());
        }
        return chain.toString();
    }

    private void write(RoutingContext ctx, Problem problem, boolean close) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten()) {
            ctx.request().connection().close();
            return;
        }
        String body;
        try {
            body = json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + problem.status() + "}";
        }
        response.setStatusCode(problem.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (!close) {
            response.end(body);
            return;
        }
        // The header alone does not make Vert.x close: the unread body would keep the connection open.
        response.putHeader(HttpHeaders.CONNECTION, "close");
        response.end(body).onComplete(written -> {
            if (ctx.request().version() != HttpVersion.HTTP_2) {
                ctx.request().connection().close();
            }
        });
    }
}
