package io.artifactstore.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.artifactstore.testing.ApiDescription;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The OpenAPI document the running service serves describes it well: every operation has a summary and
 * a description, every problem+json answer refers to the Problem schema, units and the bearer scheme
 * are stated. That every answer the tests see is documented is checked on each answer, by the test
 * clients ({@link io.artifactstore.testing.ApiDescription}); the last test shows that check bites.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class ApiDescriptionTest {

    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "head", "patch", "options");

    private JsonNode document;

    @org.junit.jupiter.api.BeforeEach
    void fetchTheDocument() {
        document = fetch(); // REST Assured knows the service's port from here on, not at construction
    }

    @Test
    void everyOperationHasASummaryAndADescription() {
        List<String> lacking = new ArrayList<>();
        operations().forEach((name, operation) -> {
            if (operation.path("summary").asText("").isBlank() || operation.path("description").asText("").isBlank()) {
                lacking.add(name);
            }
        });
        assertThat(operations()).containsKeys("POST /api/v1/artifacts", "GET /api/v1/artifacts", "GET /api/v1/artifacts/{id}",
                "POST /api/v1/artifacts/{id}/complete", "GET /api/v1/artifacts/{id}/download-url",
                "GET /api/v1/artifacts/{id}/content", "DELETE /api/v1/artifacts/{id}", "GET /api/v1/providers",
                "POST /api/v1/routing/explain", "PUT /storage/{provider}/{key}", "GET /storage/{provider}/{key}",
                "HEAD /storage/{provider}/{key}");
        assertThat(lacking).as("operations without summary or description").isEmpty();
    }

    @Test
    void everyErrorAnswerIsProblemJsonWithTheProblemSchema() {
        var description = ApiDescription.of(document);
        List<String> wrong = new ArrayList<>();
        operations().forEach((name, operation) -> operation.path("responses").fields().forEachRemaining(response -> {
            int status = Integer.parseInt(response.getKey());
            JsonNode resolved = description.resolve(response.getValue());
            boolean problem = description.isProblem(resolved);
            if (status >= 400 && !problem) {
                wrong.add(name + " " + status + " is not documented as problem+json with the Problem schema");
            }
            if (status < 400 && resolved.path("content").has("application/problem+json")) {
                wrong.add(name + " " + status + " is documented as a problem");
            }
        }));
        assertThat(wrong).isEmpty();
        assertThat(document.at("/components/schemas/Problem/properties").has("errors")).isTrue();
    }

    @Test
    void theAnswersEveryApiCallCanGiveAreOnEveryApiOperation() {
        operations().forEach((name, operation) -> {
            if (name.contains(" /api/")) {
                assertThat(operation.path("responses").fieldNames()).toIterable().as(name)
                        .contains("401", "403", "408", "411", "413", "500");
            }
        });
        assertThat(operations().get("GET /api/v1/artifacts/{id}").path("responses").has("503")).isTrue();
    }

    @Test
    void successAnswersUnitsAndSecurityAreStated() {
        JsonNode create = operations().get("POST /api/v1/artifacts").path("responses").path("201");
        assertThat(create.at("/headers/Location").isMissingNode()).isFalse();
        assertThat(create.at("/content/application~1json/schema/$ref").asText()).endsWith("/CreatedArtifact");
        JsonNode created = document.at("/components/schemas/CreatedArtifact/properties");
        assertThat(created.has("artifact") && created.has("upload")).isTrue();
        assertThat(operations().get("GET /api/v1/artifacts/{id}/content").at("/responses/302/headers/Location").isMissingNode()).isFalse();
        assertThat(operations().get("DELETE /api/v1/artifacts/{id}").path("responses").has("204")).isTrue();
        assertThat(operations().get("POST /api/v1/artifacts/{id}/complete").path("responses").has("422")).isTrue();
        assertThat(operations().get("PUT /storage/{provider}/{key}").at("/responses/429/$ref").asText()).endsWith("/TooManyRequests");
        assertThat(document.at("/components/responses/ServiceUnavailable/headers").has("Retry-After")).isTrue();

        JsonNode expiresIn = parameter(operations().get("GET /api/v1/artifacts/{id}/download-url"), "expiresIn");
        assertThat(expiresIn.path("description").asText()).contains("seconds");
        assertThat(expiresIn.at("/schema/type").asText()).isEqualTo("integer");

        assertThat(document.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(operations().get("GET /api/v1/artifacts/{id}").path("security").toString()).contains("bearer");
    }

    @Test
    void anAnswerTheDocumentLacksFailsTheTestThatSawIt() {
        var description = ApiDescription.of(document);
        description.check("GET", "/api/v1/artifacts/01JD0000000000000000000000", 404,
                headers("Content-Type", "application/problem+json"));
        description.check("GET", "/storage/local/acme/image/_/01JD/original/01JE", 206, headers());

        assertThatThrownBy(() -> description.check("GET", "/api/v1/artifacts/01JD0000000000000000000000", 418,
                headers("Content-Type", "application/problem+json")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("GET /api/v1/artifacts/{id} answered 418");
        assertThatThrownBy(() -> description.check("DELETE", "/api/v1/artifacts/x", 204, headers("Retry-After", "2")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Retry-After");
        assertThatThrownBy(() -> description.check("PUT", "/storage/local/acme/image/_/01JD/original/01JE", 202, headers()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("PUT /storage/{provider}/{key} answered 202");

        // The same check runs on every answer the test clients get from the running service.
        assertThat(io.restassured.RestAssured.filters()).contains(ApiDescription.FILTER);
        java.net.URI service = java.net.URI.create("http://localhost:" + io.restassured.RestAssured.port + "/api/v1/artifacts/x");
        assertThatThrownBy(() -> ApiDescription.observe(service, "DELETE", 200, headers()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("DELETE /api/v1/artifacts/{id} answered 200");
    }

    private Map<String, JsonNode> operations() {
        Map<String, JsonNode> operations = new java.util.LinkedHashMap<>();
        document.path("paths").fields().forEachRemaining(path -> METHODS.forEach(method -> {
            if (path.getValue().has(method)) {
                operations.put(method.toUpperCase() + " " + path.getKey(), path.getValue().path(method));
            }
        }));
        return operations;
    }

    private static java.util.function.Function<String, String> headers(String... nameValue) {
        Map<String, String> headers = new java.util.HashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            headers.put(nameValue[i], nameValue[i + 1]);
        }
        return headers::get;
    }

    private static JsonNode parameter(JsonNode operation, String name) {
        for (JsonNode parameter : operation.path("parameters")) {
            if (name.equals(parameter.path("name").asText())) {
                return parameter;
            }
        }
        throw new AssertionError("no parameter " + name);
    }

    private static JsonNode fetch() {
        try {
            return new ObjectMapper().readTree(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
