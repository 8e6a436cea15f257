package io.artifactstore.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.util.regex.Pattern;

/**
 * The one API call whose body is an artifact's bytes, streamed through the service by workers
 * ({@code PUT /api/v1/artifacts/{id}/content}): many GiB, so not held to the JSON bodies' limit.
 */
public final class StreamedBodies {

    private static final Pattern PATH = Pattern.compile("/api/v1/artifacts/[^/]+/content");

    private StreamedBodies() {
    }

    public static boolean matches(HttpServerRequest request) {
        return request.method() == HttpMethod.PUT && PATH.matcher(request.path()).matches();
    }
}
