package io.artifactstore.rest;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEntry;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.api.Cursor;
import io.artifactstore.api.QueryParams;
import io.artifactstore.api.ServiceException;
import io.artifactstore.core.Ids;
import io.artifactstore.security.CurrentTenant;
import io.artifactstore.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** {@code GET /api/v1/audit}: the caller's tenant's audit trail, newest first, a page at a time (README "API reference"). */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
@APIResponse(responseCode = "503", ref = "ServiceUnavailable")
public class AuditResource {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 1000;

    @Inject
    AuditTrail trail;

    @Inject
    CurrentTenant tenant;

    @Inject
    Cursor cursors;

    @Schema(name = "AuditPage", description = "One page of audit events; nextCursor is null on the last page.")
    public record Page(List<AuditEntry> items, @Schema(nullable = true) String nextCursor) {
    }

    @GET
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Page through the tenant's audit trail, newest first",
            description = "Every change (create, replace, complete, delete, expiry, multipart start and abort, reconciliation)"
                    + " is recorded in the transaction that made it. Pass the answer's `nextCursor` as `cursor` for the next"
                    + " page. Role: artifacts.admin; only the caller's tenant's events.")
    @APIResponse(responseCode = "200", description = "One page.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Page.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public Uni<Page> page(@QueryParam("artifactId") @Parameter(description = "Only events of this artifact") String artifactId,
                          @QueryParam("action") @Parameter(description = "Only events of this action",
                                  schema = @Schema(type = SchemaType.STRING, enumeration = {"create", "replace", "complete", "delete",
                                          "expire", "multipart.start", "multipart.abort", "reconcile.start", "reconcile.missing",
                                          "reconcile.delete-orphan"})) String action,
                          @QueryParam("limit") @Parameter(description = "Page size, 1 to 1000",
                                  schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000", defaultValue = "50")) String limit,
                          @QueryParam("cursor") @Parameter(description = "`nextCursor` of the previous page, as it was given") String cursor) {
        String tenantId = tenant.id();
        String artifact = artifactId == null ? null : Ids.require("artifactId", artifactId);
        AuditAction wanted = action == null ? null : AuditAction.fromWireName(action).orElseThrow(
                () -> ServiceException.invalidField("action", "must be one of " + AuditAction.wireNames()));
        int size = QueryParams.intInRange("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT);
        String afterId = cursors.lastId("audit", tenantId, cursor);
        return trail.page(tenantId, artifact, wanted, afterId, size + 1).map(found -> {
            Cursor.Page<AuditEntry> page = cursors.page("audit", tenantId, found, size, AuditEntry::id);
            return new Page(page.items(), page.nextCursor());
        });
    }
}
