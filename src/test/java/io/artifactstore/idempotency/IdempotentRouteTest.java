package io.artifactstore.idempotency;

import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.artifactstore.rest.ArtifactResource;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What tells the requests of an {@link Idempotent} route apart, read from its JAX-RS annotations
 * (README, "Idempotent retries: Idempotency-Key"): the fingerprints of the service's own routes are
 * those it has always stored (a key kept before an upgrade still replays), values cannot be re-split,
 * and a route the interceptor cannot read is refused, not guessed.
 */
class IdempotentRouteTest {

    private static final String ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    private static final Function<Object, byte[]> JSON = entity -> "{\"size\":10,\"type\":\"image\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void everyIdempotentRouteOfTheServiceCanBeRead() {
        List<JavaMethod> routes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.artifactstore").stream()
                .flatMap(type -> type.getMethods().stream())
                .filter(method -> method.isAnnotatedWith(Idempotent.class)).toList();
        assertThat(routes).extracting(JavaMethod::getName).containsExactlyInAnyOrder("create", "complete", "upload");
        routes.forEach(method -> IdempotentRoute.of(method.reflect()));
    }

    @Test
    void theServiceRoutesTellRequestsApartAsTheyAlwaysHave() {
        assertThat(route(ArtifactResource.class, "create").fingerprint(new Object[] {null, "k"}, "27", JSON))
                .isEqualTo(IdempotentCalls.fingerprint("POST", "/api/v1/artifacts", JSON.apply(null)));
        IdempotentRoute complete = route(ArtifactResource.class, "complete");
        assertThat(complete.fingerprint(new Object[] {ID, "original", "k"}, "12", JSON))
                .as("complete takes no body, whatever the request declares")
                .isEqualTo(IdempotentCalls.fingerprint("POST", "/api/v1/artifacts/" + ID + "/complete?variant=original", new byte[0]));
        IdempotentRoute upload = route(ArtifactResource.class, "upload");
        assertThat(upload.fingerprint(new Object[] {ID, "thumb", "k", null}, "100000", JSON))
                .as("a streamed body counts by its declared length, never its bytes")
                .isEqualTo(IdempotentCalls.fingerprint("PUT", "/api/v1/artifacts/" + ID + "/content?variant=thumb",
                        "content-length: 100000".getBytes(StandardCharsets.US_ASCII)));
        assertThat(upload.fingerprint(new Object[] {ID, "thumb", "k", null}, " 0100000", JSON))
                .isEqualTo(upload.fingerprint(new Object[] {ID, "thumb", "k", null}, "100000", JSON))
                .isNotEqualTo(upload.fingerprint(new Object[] {ID, "thumb", "k", null}, "99999", JSON));
    }

    @Test
    void theServiceRoutesDefaultTheVariantSoThatNoneAndOriginalAreOneRequest() throws Exception {
        for (String name : List.of("complete", "upload")) {
            Method method = method(ArtifactResource.class, name);
            DefaultValue fallback = Arrays.stream(method.getParameterAnnotations()[1])
                    .filter(DefaultValue.class::isInstance).map(DefaultValue.class::cast).findFirst().orElseThrow();
            assertThat(fallback.value()).as(name).isEqualTo("original");
        }
    }

    @Test
    void pathAndQueryComeFromTheTemplateAndTheBoundValuesSortedAndEncoded() {
        List<Object> path = IdempotentRoute.template("/things/", "/{id}/parts/", Map.of("id", 0));
        IdempotentRoute route = new IdempotentRoute("POST", path, new TreeMap<>(Map.of("zulu", 1, "alpha", 2)), -1, false);
        assertThat(route.target(new Object[] {"a1", "z", "b"})).isEqualTo("/things/a1/parts?alpha=b&zulu=z");
        assertThat(route.target(new Object[] {"a1", null, "b"})).as("a parameter not sent and without default is left out")
                .isEqualTo("/things/a1/parts?alpha=b");
        assertThat(route.target(new Object[] {"a/1", "z", "b&zulu=y"})).as("no value is re-split into another")
                .isEqualTo("/things/a%2F1/parts?alpha=b%26zulu%3Dy&zulu=z");
        assertThat(route(ArtifactResource.class, "complete").target(new Object[] {"a/1", "original&variant=thumb", "k"}))
                .isEqualTo("/api/v1/artifacts/a%2F1/complete?variant=original%26variant%3Dthumb");
        assertThat(new IdempotentRoute("PUT", IdempotentRoute.template("", "{id: [0-9]{1,3}}", Map.of("id", 0)), Map.of(), -1, true)
                .target(new Object[] {"7"})).as("a parameter's regular expression is no part of the path").isEqualTo("/7");
    }

    @Test
    void aRouteTheInterceptorCannotReadIsRefused() {
        assertThatThrownBy(() -> IdempotentRoute.of(method(Fixtures.class, "noHeader")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Idempotency-Key");
        assertThatThrownBy(() -> IdempotentRoute.of(method(Fixtures.class, "notAResponse")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Uni<Response>");
        assertThatThrownBy(() -> IdempotentRoute.of(method(Fixtures.class, "twoBodies")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("one body");
        assertThatThrownBy(() -> IdempotentRoute.template("/things", "{id}/{part}", Map.of("id", 0)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("{part}");
    }

    private static IdempotentRoute route(Class<?> resource, String name) {
        return IdempotentRoute.of(method(resource, name));
    }

    private static Method method(Class<?> type, String name) {
        return Arrays.stream(type.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    /** Misdeclared routes, without JAX-RS annotations: the tests' classes are indexed, and a class with @Path would be served. */
    @SuppressWarnings("unused")
    static class Fixtures {

        Uni<Response> noHeader(String body) {
            return null;
        }

        Uni<String> notAResponse() {
            return null;
        }

        Uni<Response> twoBodies(String one, String other) {
            return null;
        }
    }
}
