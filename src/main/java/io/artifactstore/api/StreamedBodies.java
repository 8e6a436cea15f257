package io.artifactstore.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.util.regex.Pattern;

/**
 * The calls whose body is an artifact's bytes, streamed through the service: many GiB, so not held to
 * the JSON bodies' limit nor to {@code artifact-store.api.body-timeout}. The API's
 * {@code PUT /api/v1/artifacts/{id}/content} (workers), and the local provider's signed PUTs to
 * {@code /storage/...}, which {@code artifact-store.uploads.*} paces.
 */
public final class StreamedBodies {

    private static final Pattern PATH = Pattern.compile("/api/v1/artifacts/[^/]+/content");
    private static final String SIGNED_PUTS = "/storage/";

    private StreamedBodies() {
    }

    public static boolean matches(HttpServerRequest request) {
        return request.method() == HttpMethod.PUT && streamed(request.path());
    }

    /** The same, for a request as Netty decodes it (method name, and its target with the query). */
    static boolean matches(String method, String target) {
        int query = target.indexOf('?');
        return "PUT".equals(method) && streamed(query < 0 ? target : target.substring(0, query));
    }

    private static boolean streamed(String path) {
        return path.startsWith(SIGNED_PUTS) || PATH.matcher(path).matches();
    }
}
