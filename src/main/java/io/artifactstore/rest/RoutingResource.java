package io.artifactstore.rest;

import io.artifactstore.artifact.UploadRequest;
import io.artifactstore.api.ServiceException;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.routing.Router;
import io.artifactstore.routing.RoutingDecision;
import io.artifactstore.routing.UploadFacts;
import io.artifactstore.security.CurrentTenant;
import io.artifactstore.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code POST /api/v1/routing/explain}: where an upload like this one would go, and why. */
@Path("/api/v1/routing/explain")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class RoutingResource {

    @Inject
    Router router;

    @Inject
    CurrentTenant tenant;

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Tag(name = "Operations")
    @Operation(summary = "Explain where an upload like this one would go",
            description = "Runs the routing rules on a body shaped like an upload request, without creating anything:"
                    + " the provider, its fallbacks in order, and the rule that decided (null: the default provider)."
                    + " Role: artifacts.admin.")
    @APIResponse(responseCode = "200", description = "The routing decision.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RoutingDecision.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType", description = "The request body is not JSON.")
    public RoutingDecision explain(@Valid @NotNull UploadRequest request) {
        ArtifactType type = ArtifactType.fromWireName(request.type())
                .orElseThrow(() -> ServiceException.invalidField("type", "is not an artifact type"));
        return router.route(new UploadFacts(tenant.id(), type, request.boardId(), request.contentType(),
                request.size(), request.metadata()));
    }
}
