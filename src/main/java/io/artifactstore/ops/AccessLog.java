package io.artifactstore.ops;

import io.artifactstore.core.Ids;
import io.artifactstore.config.ArtifactStoreConfig;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import java.util.regex.Pattern;

/**
 * One line per request on the API port, logger {@code io.artifactstore.access}: method, route
 * template, status, duration and tenant; with JSON logs (prod) also as fields, written off the event
 * loop by {@link AccessLogWriter}. Its level turns it off (WARN). The route is the template, never
 * the path with its query, so neither a signed URL's signature nor an id ever reaches the log, and
 * no header is logged, so no token either.
 */
@ApplicationScoped
public class AccessLog {

    static final Logger LOG = Logger.getLogger("io.artifactstore.access");
    /** Where Quarkus REST leaves the matched path template (its observability integration, read by Micrometer too). */
    private static final String TEMPLATE = "UrlPathTemplate";
    private static final String STORAGE_ROUTE = "/storage/{provider}/{key}";
    /** Micrometer's label for CORS preflights too. */
    private static final String CORS_PREFLIGHT = "/cors-preflight";
    private static final Pattern PLAIN_PATH = Pattern.compile("[A-Za-z0-9/._-]{1,200}");

    @Inject
    ArtifactStoreConfig config;

    @Inject
    AccessLogWriter writer;

    void register(@Observes Router router) {
        router.route().order(-3000).handler(this::timeAndLog);
    }

    private void timeAndLog(RoutingContext ctx) {
        if (ctx.request().method() == HttpMethod.OPTIONS && ctx.request() instanceof HttpServerRequestInternal request) {
            // Every OPTIONS answer gets the preflight's label unless a resource matched it: Micrometer takes only a
            // request with Access-Control-Request-Headers for a preflight and would label the others with their path.
            ctx.addHeadersEndHandler(ended -> {
                if (request.context().getLocal(TEMPLATE) == null) {
                    request.context().putLocal(TEMPLATE, CORS_PREFLIGHT);
                }
            });
        }
        if (LOG.isInfoEnabled()) {
            long start = System.nanoTime();
            ctx.addEndHandler(ended -> log(ctx, (System.nanoTime() - start) / 1_000_000));
        }
        ctx.next();
    }

    private void log(RoutingContext ctx, long millis) {
        String method = ctx.request().method().name();
        String route = route(ctx);
        int status = ctx.response().getStatusCode();
        String tenant = tenant(ctx);
        if (writer.active()) {
            writer.write(method, route, status, millis, tenant);
        } else { // readable logs (dev, tests): through the log manager
            LOG.infof("%s %s %d %d ms tenant=%s", method, route, status, millis, tenant);
        }
    }

    private static String route(RoutingContext ctx) {
        if (ctx.request() instanceof HttpServerRequestInternal request && request.context().getLocal(TEMPLATE) instanceof String template) {
            return template;
        }
        if (ctx.request().method() == HttpMethod.OPTIONS && ctx.request().getHeader("Access-Control-Request-Method") != null) {
            return CORS_PREFLIGHT; // answered by the CORS filter before any resource matched: its path holds ids
        }
        String path = ctx.normalizedPath();
        if (path.startsWith("/storage/")) {
            return STORAGE_ROUTE;
        }
        // Not matched by a resource (a 404, a refusal before one, the OpenAPI document): the path, if it is plain.
        return PLAIN_PATH.matcher(path).matches() ? path : "(unmatched)";
    }

    private String tenant(RoutingContext ctx) {
        if (ctx.user() instanceof QuarkusHttpUser user && user.getSecurityIdentity() != null
                && user.getSecurityIdentity().getPrincipal() instanceof JsonWebToken token
                && token.getClaim(config.auth().tenantClaim()) instanceof String tenant && Ids.isValid(tenant)) {
            return tenant;
        }
        return "-";
    }
}
