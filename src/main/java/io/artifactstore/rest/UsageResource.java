package io.artifactstore.rest;

import io.artifactstore.quota.Quotas;
import io.artifactstore.quota.TenantUsage;
import io.artifactstore.security.CurrentTenant;
import io.artifactstore.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /api/v1/usage}: what the caller's tenant holds against its quotas (README "API reference"). */
@Path("/api/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Artifacts")
public class UsageResource {

    @Inject
    TenantUsage usage;

    @Inject
    Quotas quotas;

    @Inject
    CurrentTenant tenant;

    @GET
    @RolesAllowed({Roles.READ, Roles.ADMIN})
    @Operation(summary = "The caller's tenant's storage usage and quota limits",
            description = "`bytes`: declared sizes of the tenant's PENDING and AVAILABLE variants (a pending upload"
                    + " reserves its size), as the quota counts them; `artifacts`: artifacts with such a variant."
                    + " `byType` and `byProvider` split both as {\"bytes\", \"artifacts\"} per artifact type and per"
                    + " provider. `limits`: `maxBytes`, `maxArtifacts`, null when unset. Role: artifacts.read.")
    @APIResponse(responseCode = "200", description = "The tenant's usage.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TenantUsage.View.class)))
    @APIResponse(responseCode = "503", ref = "ServiceUnavailable")
    public Uni<TenantUsage.View> usage() {
        String tenantId = tenant.id();
        return usage.of(tenantId, quotas.limitsOf(tenantId));
    }
}
