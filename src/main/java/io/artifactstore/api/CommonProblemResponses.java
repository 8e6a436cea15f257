package io.artifactstore.api;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import java.util.Map;

/**
 * Adds to every {@code /api/} operation of the OpenAPI document the problem+json answers any API call
 * can get, whatever it does, so the resources list only their own (503 too: only calls that reach
 * the database or a provider can get it, or that carry a body: ApiBodyLimit's budget). Each refers to a response declared
 * once in {@code META-INF/openapi.yaml}; SmallRye's own bodiless 401/403 are replaced by them.
 */
public class CommonProblemResponses implements OASFilter {

    /** Status and the name of its response in the static document's components. */
    static final Map<String, String> EVERY_API_CALL = Map.of(
            "401", "Unauthorized",          // no or bad token
            "403", "Forbidden",             // role missing, or no valid tenant in the token
            "408", "RequestTimeout",        // a body still arriving after artifact-store.api.body-timeout (ApiBodyLimit)
            "411", "LengthRequired",        // a chunked body without Content-Length (ApiBodyLimit)
            "413", "ContentTooLarge",       // a body over 1 MiB (ApiBodyLimit)
            "500", "InternalServerError");  // a bug, with an error id

    /** Answers every call can get too, added where a call does not describe its own already. */
    static final Map<String, String> UNLESS_LISTED = Map.of(
            "400", "BadRequest");           // a query parameter or Idempotency-Key given twice (SingleValues)

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            if (path.startsWith("/api/")) {
                item.getOperations().values().forEach(CommonProblemResponses::addCommon);
            }
        });
    }

    private static void addCommon(Operation operation) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        APIResponses responses = operation.getResponses();
        EVERY_API_CALL.forEach((status, name) ->
                responses.addAPIResponse(status, OASFactory.createAPIResponse().ref(name)));
        UNLESS_LISTED.forEach((status, name) -> {
            if (!responses.hasAPIResponse(status)) {
                responses.addAPIResponse(status, OASFactory.createAPIResponse().ref(name));
            }
        });
        if (operation.getRequestBody() != null && !responses.hasAPIResponse("503")) {
            // Too many API bodies arriving at once (ApiBodyLimit, artifact-store.api.max-buffered-bodies).
            responses.addAPIResponse("503", OASFactory.createAPIResponse().ref("ServiceUnavailable"));
        }
    }
}
