package io.artifactstore.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;
import io.restassured.filter.Filter;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Holds every answer the tests see from the service to the service's own OpenAPI document: the test
 * clients (REST Assured through {@link #FILTER}, {@link SignedUrlClient}, {@link ConcurrentCalls},
 * {@link RawHttp}) hand each answer to {@link #observe}, which fails the test on the spot when the
 * document lacks that status for that operation, when a problem+json answer is documented without the
 * Problem schema, or when a Location or Retry-After header is not documented. The document is fetched
 * once per running service, from {@code /q/openapi}.
 *
 * <p>Left out, on purpose: paths that are no documented operation (404 for an unknown path, 405 for a
 * method a path lacks) and the HTTP layer's bodiless refusals before any handler of ours runs (400, 414,
 * 431: README, Operations), which no OpenAPI document of the application can describe.
 */
public final class ApiDescription {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The document of the service on each port; empty when the port serves none (S3Proxy, the prod jar). */
    private static final Map<Integer, Optional<ApiDescription>> BY_PORT = new ConcurrentHashMap<>();
    private static final List<String> DOCUMENTED_HEADERS = List.of("Location", "Retry-After");

    /** Checks every answer REST Assured receives; installed for all tests by {@link ApiDescriptionExtension}. */
    public static final Filter FILTER = (request, response, context) -> {
        io.restassured.response.Response answer = context.next(request, response);
        if (!request.getConfig().getRedirectConfig().followsRedirects() || !(answer.statusCode() >= 200 && answer.statusCode() < 300)) {
            uri(request.getURI()).ifPresent(uri -> observe(uri, request.getMethod(), answer.statusCode(), answer::getHeader));
        }
        return answer;
    };

    private final JsonNode document;
    private final List<Operation> templates = new ArrayList<>();

    private record Operation(String template, Pattern strict, Pattern lenient) {
    }

    ApiDescription(JsonNode document) {
        this.document = document;
        for (Iterator<String> paths = document.path("paths").fieldNames(); paths.hasNext(); ) {
            String template = paths.next();
            templates.add(new Operation(template, pattern(template, false), pattern(template, true)));
        }
    }

    /** Installs {@link #FILTER} into REST Assured, once. */
    public static void install() {
        if (!RestAssured.filters().contains(FILTER)) {
            RestAssured.filters(FILTER);
        }
    }

    /** Checks one answer of a request to {@code uri}; answers from anything but the service pass unchecked. */
    public static void observe(URI uri, String method, int status, Function<String, String> header) {
        String path = uri.getRawPath();
        if (path == null || !(path.startsWith("/api/") || path.startsWith("/storage/")) || uri.getPort() <= 0) {
            return;
        }
        BY_PORT.computeIfAbsent(uri.getPort(), ApiDescription::fetch)
                .ifPresent(description -> description.check(method, path, status, header));
    }

    /** The document the service on {@code port} serves, if it serves one. */
    static Optional<ApiDescription> fetch(int port) {
        try {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/openapi?format=json"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                return Optional.empty();
            }
            JsonNode document = JSON.readTree(answer.body());
            return "artifact-store".equals(document.path("info").path("title").asText()) ? Optional.of(new ApiDescription(document))
                    : Optional.empty();
        } catch (Exception e) {
            return Optional.empty(); // not an HTTP server of ours
        }
    }

    /** The URI of a request, unless it is too odd to be one (the hostile-input tests send such). */
    static Optional<URI> uri(String uri) {
        try {
            return Optional.of(URI.create(uri));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static ApiDescription of(JsonNode document) {
        return new ApiDescription(document);
    }

    /** Fails with an AssertionError naming what the document lacks. */
    public void check(String method, String rawPath, int status, Function<String, String> header) {
        String contentType = header.apply("Content-Type");
        if (contentType == null && (status == 400 || status == 414 || status == 431)) {
            return; // refused by the HTTP layer before any handler of ours ran
        }
        Optional<String> template = template(rawPath);
        if (template.isEmpty()) {
            return;
        }
        JsonNode operation = document.path("paths").path(template.get()).path(method.toLowerCase(Locale.ROOT));
        if (operation.isMissingNode()) {
            return;
        }
        String what = method.toUpperCase(Locale.ROOT) + " " + template.get() + " answered " + status;
        JsonNode responses = operation.path("responses");
        JsonNode documented = resolve(responses.path(Integer.toString(status)));
        if (documented.isMissingNode()) {
            throw new AssertionError(what + ", which the OpenAPI document does not list; it lists " + names(responses));
        }
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/problem+json")
                && !isProblem(documented)) {
            throw new AssertionError(what + " with problem+json, documented without the Problem schema: " + documented);
        }
        for (String name : DOCUMENTED_HEADERS) {
            if (header.apply(name) != null && !hasHeader(documented, name)) {
                throw new AssertionError(what + " with a " + name + " header that the document does not list");
            }
        }
    }

    /** Whether a (resolved) response documents an application/problem+json body of the Problem schema. */
    public boolean isProblem(JsonNode response) {
        return "#/components/schemas/Problem".equals(resolve(response).path("content").path("application/problem+json")
                .path("schema").path("$ref").asText());
    }

    private boolean hasHeader(JsonNode response, String name) {
        for (Iterator<String> names = response.path("headers").fieldNames(); names.hasNext(); ) {
            if (names.next().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** A response itself, or the one in components its {@code $ref} names. */
    public JsonNode resolve(JsonNode node) {
        String ref = node.path("$ref").asText("");
        if (!ref.startsWith("#/")) {
            return node;
        }
        JsonNode target = document;
        for (String part : ref.substring(2).split("/")) {
            target = target.path(part);
        }
        return target;
    }

    /** The path template a request path belongs to: one segment per parameter, else a last parameter spanning the rest (storage keys). */
    Optional<String> template(String rawPath) {
        return templates.stream().filter(t -> t.strict().matcher(rawPath).matches()).map(Operation::template).findFirst()
                .or(() -> templates.stream().filter(t -> t.lenient().matcher(rawPath).matches()).map(Operation::template).findFirst());
    }

    private static Pattern pattern(String template, boolean lastSpansSegments) {
        String[] segments = template.split("/", -1);
        StringBuilder regex = new StringBuilder();
        for (int i = 1; i < segments.length; i++) {
            String segment = segments[i];
            boolean parameter = segment.startsWith("{") && segment.endsWith("}");
            regex.append('/').append(!parameter ? Pattern.quote(segment)
                    : lastSpansSegments && i == segments.length - 1 ? ".+" : "[^/]+");
        }
        return Pattern.compile(regex.toString());
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
