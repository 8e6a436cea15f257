package io.artifactstore.api;

import io.artifactstore.config.ArtifactStoreConfig;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.function.BooleanSupplier;

/**
 * Every request body on either port, whatever route takes it (README, API reference): it arrives
 * within {@code artifact-store.api.body-timeout} or the request is ended with 408 (the streamed
 * uploads, paced otherwise, aside: {@link StreamedBodies}); and when the answer goes out before the
 * body has arrived (a 401 before the body is read, a 404 for an unknown path, a 405, any refusal, a
 * success that ignores the body), the answer says {@code Connection: close} and the connection is
 * closed after it. Otherwise the connection would wait for a body nothing reads, holding its socket
 * and the chunks it buffers until the idle timeout.
 */
@ApplicationScoped
public class UnreadBodies {

    @Inject
    HttpProblems problems;

    @Inject
    ArtifactStoreConfig config;

    void api(@Observes Router router) {
        router.route().order(ConnectionLimits.ORDER + 1).handler(this::guard);
    }

    void management(@Observes ManagementInterface management) {
        management.router().route().order(ConnectionLimits.ORDER + 1).handler(this::guard);
    }

    private void guard(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        long declared = declaredLength(request);
        if (declared != 0) {
            // Arrived means every declared byte, not "ended": a request paused once its body is read may hold its end mark back.
            BooleanSupplier arrived = declared > 0 ? () -> request.isEnded() || request.bytesRead() >= declared : request::isEnded;
            HttpProblems.closeWhenAnsweredBefore(ctx, arrived);
            if (!StreamedBodies.matches(request)) {
                deadline(ctx, arrived);
            }
        }
        ctx.next();
    }

    /** A timer on the request's event loop; it ends a request whose body is still arriving when it fires. */
    private void deadline(RoutingContext ctx, BooleanSupplier arrived) {
        long timeout = config.api().bodyTimeout().toMillis();
        long timer = ctx.vertx().setTimer(timeout, id -> {
            if (!arrived.getAsBoolean() && !ctx.response().ended()) {
                problems.sendAndClose(ctx, new ServiceException(408, "Request Timeout",
                        "The request body did not arrive within " + timeout / 1000 + " s"));
            }
        });
        ctx.addEndHandler(ended -> ctx.vertx().cancelTimer(timer));
    }

    /** The declared body length: 0 for none, -1 for a chunked or unparsable one (read until it ends). */
    private static long declaredLength(HttpServerRequest request) {
        if (request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
            return -1;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return 0;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
