package io.artifactstore.rest;

import io.artifactstore.reconcile.ReconcileJob;
import io.artifactstore.reconcile.Reconciler;
import io.artifactstore.api.ServiceException;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.security.CurrentTenant;
import io.artifactstore.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/** {@code /api/v1/admin/reconcile}: orphan reconciliation of one provider, as a background job (README "API reference"). */
@Path("/api/v1/admin/reconcile")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Operations")
@APIResponse(responseCode = "503", ref = "ServiceUnavailable")
public class ReconcileResource {

    /** Storage-key characters only; ".." is refused on its own. */
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._/-]{0,1024}");

    @Inject
    Reconciler reconciler;

    @Inject
    CurrentTenant tenant;

    @Inject
    ArtifactStoreConfig config;

    @Schema(name = "ReconcileJob", description = "A reconciliation job and what it found so far.")
    public record JobView(
            String id,
            @Schema(enumeration = {"RUNNING", "DONE", "FAILED"}) String status,
            String provider,
            @Schema(description = "Storage-key prefix walked; empty: the whole provider") String prefix,
            @Schema(description = "Whether orphans are deleted and missing records marked MISSING") boolean apply,
            @Schema(description = "Objects listed in the provider") long scannedObjects,
            @Schema(description = "Variant records of the provider read") long scannedRecords,
            @Schema(description = "Objects without a record (nor a tombstone or multipart upload)") long orphanObjects,
            @Schema(description = "AVAILABLE records whose object is not in the provider") long missingObjects,
            @Schema(description = "Orphans deleted (apply, older than artifact-store.lifecycle.orphan-grace)") long deletedObjects,
            @Schema(description = "Records marked MISSING (apply)") long markedMissing,
            Instant startedAt,
            @Schema(nullable = true) Instant finishedAt,
            @Schema(nullable = true, description = "Why the job FAILED") String error) {

        static JobView of(ReconcileJob job) {
            ReconcileJob.Counters c = job.counters();
            return new JobView(job.id(), job.status(), job.provider(), job.prefix(), job.apply(), c.scannedObjects(),
                    c.scannedRecords(), c.orphanObjects(), c.missingObjects(), c.deletedObjects(), c.markedMissing(),
                    job.startedAt(), job.finishedAt(), job.error());
        }
    }

    @POST
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Start reconciling a provider's objects with the records",
            description = "Walks the provider's objects and its variant records side by side, in key order, a page at a time,"
                    + " in the background: objects without a record are orphans, AVAILABLE records without an object are missing."
                    + " With apply=true, orphans older than artifact-store.lifecycle.orphan-grace are deleted and missing"
                    + " records are marked MISSING. Follow the job with GET /api/v1/admin/reconcile/{id}. Role: artifacts.admin.")
    @APIResponse(responseCode = "202", description = "The job, RUNNING.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest", description = "No or an unknown provider, a bad prefix, or apply not true/false.")
    public Uni<Response> start(
            @QueryParam("provider") @Parameter(description = "A configured provider's name", required = true) String provider,
            @QueryParam("prefix") @Parameter(description = "Only keys starting with this, such as `acme/image/`;"
                    + " within the caller's tenant (`{tenant}/`, the default), unless the tenant is an operator tenant") String prefix,
            @QueryParam("apply") @Parameter(description = "true: delete old orphans and mark missing records; default false",
                    schema = @Schema(type = SchemaType.BOOLEAN)) String apply) {
        if (provider == null || provider.isBlank()) {
            throw ServiceException.invalidField("provider", "is required");
        }
        String keys = prefix == null ? "" : prefix;
        if (!PREFIX.matcher(keys).matches() || keys.contains("..") || keys.startsWith("/")) {
            throw ServiceException.invalidField("prefix", "must be a storage-key prefix: letters, digits, '.', '_', '-', '/', no '..'");
        }
        String tenantId = tenant.id();
        keys = withinReach(tenantId, keys);
        boolean applying = "true".equals(apply);
        if (apply != null && !applying && !"false".equals(apply)) {
            throw ServiceException.invalidField("apply", "must be true or false");
        }
        return reconciler.start(tenant.caller(), provider, keys, applying)
                .map(job -> Response.accepted(JobView.of(job)).build());
    }

    /**
     * Strict tenant isolation: an admin walks only its own tenant's keys (no prefix: all of them), unless
     * its tenant is one of {@code artifact-store.reconcile.operator-tenants}, whose admins may walk any.
     */
    private String withinReach(String tenantId, String prefix) {
        if (config.reconcile().operatorTenants().orElse(List.of()).contains(tenantId)) {
            return prefix;
        }
        String own = tenantId + "/";
        if (prefix.isEmpty()) {
            return own;
        }
        if (!prefix.startsWith(own)) {
            throw new ServiceException(403, "Forbidden", "An admin reconciles its own tenant's keys: the prefix must start with "
                    + own + " (admins of artifact-store.reconcile.operator-tenants may walk any prefix)");
        }
        return prefix;
    }

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "A reconciliation job's status and counters",
            description = "Any replica answers. A RUNNING job whose replica stopped updating it for"
                    + " artifact-store.reconcile.stale-after is reported FAILED. Role: artifacts.admin.")
    @APIResponse(responseCode = "200", description = "The job.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", ref = "NotFound", description = "No job of this tenant has this id.")
    public Uni<JobView> get(@PathParam("id") @Parameter(description = "The job id") String id) {
        return reconciler.find(tenant.id(), id).map(job -> {
            if (job == null) {
                throw ServiceException.notFound("No reconciliation job of this tenant has this id");
            }
            return JobView.of(job);
        });
    }
}
