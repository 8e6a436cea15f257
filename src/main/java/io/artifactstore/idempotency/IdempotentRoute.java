package io.artifactstore.idempotency;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What tells the requests of one {@link Idempotent} route apart (README, "Idempotent retries:
 * Idempotency-Key"), read once from the resource method's JAX-RS annotations: its HTTP method; its
 * path template, filled with the path parameters as bound; its query parameters as bound (so a
 * {@code @DefaultValue} counts as sent), sorted by name; and its body: a JSON entity by its content,
 * nothing for a route that takes none, and, for a route that streams the body itself (it consumes
 * other than JSON), the declared {@code Content-Length}, so that a replay answers without reading
 * the bytes.
 */
final class IdempotentRoute {

    private final String httpMethod;
    /** The path template: literal text, or the index of the path parameter that fills it. */
    private final List<Object> path;
    /** Query parameter name to argument index, sorted by name. */
    private final Map<String, Integer> query;
    /** The argument that is the JSON entity, or -1. */
    private final int entity;
    private final boolean streamed;

    IdempotentRoute(String httpMethod, List<Object> path, Map<String, Integer> query, int entity, boolean streamed) {
        this.httpMethod = httpMethod;
        this.path = path;
        this.query = query;
        this.entity = entity;
        this.streamed = streamed;
    }

    /** The route of a resource method; a method that is no {@link Idempotent} route as described there is a bug, refused at once. */
    static IdempotentRoute of(Method method) {
        require(method.getReturnType() == Uni.class && method.getGenericReturnType() instanceof ParameterizedType uni
                && uni.getActualTypeArguments()[0] == Response.class, method, "answers Uni<Response>");
        Map<String, Integer> pathParameters = new HashMap<>();
        Map<String, Integer> query = new TreeMap<>();
        int entity = -1;
        boolean headerDeclared = false;
        Annotation[][] annotations = method.getParameterAnnotations();
        for (int i = 0; i < annotations.length; i++) {
            boolean bound = false;
            for (Annotation annotation : annotations[i]) {
                if (annotation instanceof PathParam p) {
                    pathParameters.put(p.value(), i);
                } else if (annotation instanceof QueryParam q) {
                    query.put(q.value(), i);
                } else if (annotation instanceof HeaderParam h && h.value().equalsIgnoreCase(IdempotentCalls.HEADER)) {
                    headerDeclared = true;
                }
                // Any JAX-RS annotation (@PathParam, @Context, ...) binds a parameter from the request; the one without is the entity.
                bound |= annotation.annotationType().getPackageName().equals(Path.class.getPackageName())
                        || annotation.annotationType().getPackageName().equals(MediaType.class.getPackageName());
            }
            if (!bound) {
                require(entity < 0, method, "takes one body at most");
                entity = i;
            }
        }
        require(headerDeclared, method, "declares @HeaderParam(\"" + IdempotentCalls.HEADER + "\")");
        List<Object> path = template(value(method.getDeclaringClass().getAnnotation(Path.class)), value(method.getAnnotation(Path.class)),
                pathParameters);
        return new IdempotentRoute(httpMethod(method), path, query, entity, entity < 0 && !consumesOnlyJson(method));
    }

    /**
     * The sha256 that tells this route's requests apart; {@code contentLength} is the request's header
     * (or null), {@code canonicalJson} writes an entity with its map entries sorted.
     */
    String fingerprint(Object[] arguments, String contentLength, Function<Object, byte[]> canonicalJson) {
        byte[] body = entity >= 0 ? canonicalJson.apply(arguments[entity])
                : streamed ? ("content-length: " + declaredLength(contentLength)).getBytes(StandardCharsets.US_ASCII)
                : new byte[0];
        return IdempotentCalls.fingerprint(httpMethod, target(arguments), body);
    }

    /** The concrete path and the normalized query: encoded, so no bound value can be re-split into another. */
    String target(Object[] arguments) {
        StringBuilder target = new StringBuilder();
        for (Object part : path) {
            target.append(part instanceof Integer index ? encode(arguments[index]) : part);
        }
        char separator = '?';
        for (Map.Entry<String, Integer> parameter : query.entrySet()) {
            Object value = arguments[parameter.getValue()];
            if (value != null) {
                target.append(separator).append(encode(parameter.getKey())).append('=').append(encode(value));
                separator = '&';
            }
        }
        return target.toString();
    }

    /** A well-formed length as its number (leading zeros do not make another request); anything else as sent, which the route refuses. */
    private static String declaredLength(String header) {
        if (header == null) {
            return "null";
        }
        String value = header.trim();
        return !value.isEmpty() && value.length() <= 18 && value.chars().allMatch(c -> c >= '0' && c <= '9')
                ? Long.toString(Long.parseLong(value)) : value;
    }

    private static String httpMethod(Method method) {
        return Arrays.stream(method.getAnnotations())
                .map(annotation -> annotation.annotationType().getAnnotation(HttpMethod.class))
                .filter(Objects::nonNull).map(HttpMethod::value).findFirst()
                .orElseThrow(() -> new IllegalStateException(method + " is no resource method"));
    }

    /** The class's and the method's @Path joined, as literal text and the indexes of the path parameters that fill it. */
    static List<Object> template(String classPath, String methodPath, Map<String, Integer> pathParameters) {
        String joined = "/" + classPath + "/" + methodPath;
        String template = joined.replaceAll("/+", "/").replaceAll("(.)/$", "$1");
        List<Object> parts = new ArrayList<>();
        int at = 0;
        while (at < template.length()) {
            int open = template.indexOf('{', at);
            if (open < 0) {
                parts.add(template.substring(at));
                break;
            }
            parts.add(template.substring(at, open));
            int close = closingBrace(template, open);
            String name = template.substring(open + 1, close).split(":", 2)[0].trim();
            Integer index = pathParameters.get(name);
            if (index == null) {
                throw new IllegalStateException("An @Idempotent route binds path parameter {" + name + "}: " + template);
            }
            parts.add(index);
            at = close + 1;
        }
        return parts;
    }

    /** The brace that closes the one at {@code open}; a parameter's regular expression may hold braces of its own. */
    private static int closingBrace(String template, int open) {
        int depth = 0;
        for (int i = open; i < template.length(); i++) {
            char c = template.charAt(i);
            depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            if (depth == 0) {
                return i;
            }
        }
        throw new IllegalStateException("Unbalanced path template " + template);
    }

    private static String value(Path path) {
        return path == null ? "" : path.value();
    }

    private static boolean consumesOnlyJson(Method method) {
        Consumes consumes = method.isAnnotationPresent(Consumes.class) ? method.getAnnotation(Consumes.class)
                : method.getDeclaringClass().getAnnotation(Consumes.class);
        return consumes != null && Arrays.stream(consumes.value()).allMatch(MediaType.APPLICATION_JSON::equals);
    }

    private static String encode(Object value) {
        return URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8);
    }

    private static void require(boolean holds, Method method, String what) {
        if (!holds) {
            throw new IllegalStateException("An @Idempotent route " + what + ": " + method);
        }
    }
}
