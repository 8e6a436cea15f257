package io.artifactstore.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/** problem+json answers for the plain Vert.x routes, with the same rules as {@link ProblemMapper}. */
@ApplicationScoped
public class HttpProblems {

    private static final Logger LOG = Logger.getLogger(HttpProblems.class);
    /** How long, at most, a refused request's remaining body is read before its connection closes. */
    static final Duration LINGER = Duration.ofSeconds(2);
    /** A pause of the client this long ends the lingering at once. */
    static final Duration LINGER_IDLE = Duration.ofMillis(300);
    private static final String LINGERING = "artifact-store.lingering";

    @Inject
    ObjectMapper json;

    @Inject
    KnownFailures known;

    public void send(RoutingContext ctx, Throwable failure) {
        write(ctx, failure, false);
    }

    /** Answers and closes the connection, for a request whose body was refused before it was read. */
    public void sendAndClose(RoutingContext ctx, Throwable failure) {
        write(ctx, failure, true);
    }

    private void write(RoutingContext ctx, Throwable failure, boolean close) {
        ServiceException named = failure instanceof ServiceException ? null : known.answer(failure);
        Throwable answered = named == null ? failure : named;
        if (answered instanceof ServiceException e && e.retryAfterSeconds() != null && !ctx.response().headWritten()) {
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        }
        write(ctx, toProblem(answered, ctx.request().path()), close);
    }

    public void send(RoutingContext ctx, int status, String title, String detail) {
        write(ctx, Problem.of(status, title, detail, ctx.request().path()), false);
    }

    /** The problem of a failure: a {@link ServiceException} as it is, anything else as an opaque 500. */
    public static Problem toProblem(Throwable failure, String instance) {
        if (failure instanceof ServiceException e) {
            return new Problem("about:blank", e.title(), e.status(), e.getMessage(), instance, e.errors());
        }
        if (HangUps.isClientGone(failure)) {
            // Not our failure and nobody left to answer: a client that hangs up mid-upload is routine.
            LOG.debugf("Client went away during %s: %s", instance, causeChain(failure));
            return Problem.of(400, "Bad Request", "The connection closed before the request was complete", instance);
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
        if (response.ended() || response.closed()) {
            return;
        }
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
                lingerThenClose(ctx);
            }
        });
    }

    /**
     * For a request whose body a handler streams: when it is answered before its body was read to the
     * end (refused, or failed midway), the answer says {@code Connection: close} and the connection
     * closes after it, lingering like {@link #sendAndClose}, since the unread rest cannot be parsed as a
     * next request.
     */
    public static void closeWhenAnsweredEarly(RoutingContext ctx) {
        closeWhenAnsweredBefore(ctx, () -> ctx.request().isEnded());
    }

    /**
     * As {@link #closeWhenAnsweredEarly}, for a request whose body counts as read once {@code bodyRead}
     * says so. Asking twice is harmless (the connection is closed once), and needed after a reroute,
     * which drops the handlers.
     */
    static void closeWhenAnsweredBefore(RoutingContext ctx, BooleanSupplier bodyRead) {
        ctx.addHeadersEndHandler(ignored -> {
            if (!bodyRead.getAsBoolean()) {
                ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            }
        });
        ctx.addEndHandler(ignored -> {
            if (!bodyRead.getAsBoolean() && ctx.request().version() != HttpVersion.HTTP_2) {
                lingerThenClose(ctx);
            }
        });
    }

    /**
     * Closes the connection, after reading and dropping what the client still sends (nginx's lingering
     * close): most HTTP clients write the whole body before they read, and a connection closed under
     * them ends in a broken pipe instead of the answer just sent. Bounded: it closes once the client
     * pauses for {@link #LINGER_IDLE} or after {@link #LINGER} in all.
     */
    private static void lingerThenClose(RoutingContext ctx) {
        if (ctx.get(LINGERING) != null) {
            return; // both a refusal and the unread body's guard close it: once is enough
        }
        ctx.put(LINGERING, Boolean.TRUE);
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        if (request.isEnded()) {
            connection.close();
            return;
        }
        Vertx vertx = ctx.vertx();
        long deadline = System.nanoTime() + LINGER.toNanos();
        long[] idle = {vertx.setTimer(LINGER_IDLE.toMillis(), fired -> connection.close())};
        try {
            request.handler(dropped -> {
                vertx.cancelTimer(idle[0]);
                long left = Math.min(LINGER_IDLE.toNanos(), deadline - System.nanoTime());
                if (left <= 0) {
                    connection.close();
                } else {
                    idle[0] = vertx.setTimer(Math.max(1, left / 1_000_000), fired -> connection.close());
                }
            }).endHandler(ended -> {
                vertx.cancelTimer(idle[0]);
                connection.close();
            }).resume();
        } catch (IllegalStateException alreadyRead) {
            vertx.cancelTimer(idle[0]);
            connection.close();
        }
    }
}
