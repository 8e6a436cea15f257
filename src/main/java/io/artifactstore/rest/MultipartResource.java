package io.artifactstore.rest;

import io.artifactstore.artifact.ArtifactView;
import io.artifactstore.artifact.MultipartMessages;
import io.artifactstore.artifact.MultipartUploadService;
import io.artifactstore.artifact.UploadRequest;
import io.artifactstore.records.Status;
import io.artifactstore.core.Ids;
import io.artifactstore.security.CurrentTenant;
import io.artifactstore.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Multipart uploads (README "Large uploads: multipart"): one call per callback of Uppy's {@code @uppy/aws-s3}
 * (createMultipartUpload, signPart, listParts, completeMultipartUpload, abortMultipartUpload).
 */
@Path("/api/v1/artifacts/{id}/multipart")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Multipart uploads")
@APIResponse(responseCode = "503", ref = "ServiceUnavailable")
public class MultipartResource {

    private static final String ID = "Artifact id";
    private static final String UPLOAD_ID = "The uploadId the start answered";

    @Inject
    MultipartUploadService service;

    @Inject
    CurrentTenant tenant;

    @POST
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    @Operation(summary = "Start a multipart upload of a pending variant",
            description = "For objects above the provider's largest single PUT (S3: 5 GiB), or for resumable uploads:"
                    + " create the artifact with `\\\"multipart\\\": true`, then start here. Upload `partCount` parts of `partSize`"
                    + " bytes (the last holds the rest) through URLs from sign parts, then complete. The id stays usable until"
                    + " `expiresAt`, and only while the variant is pending on the same ticket: a new ticket, a delete or a"
                    + " complete ends it. Role: artifacts.write.")
    @APIResponse(responseCode = "201", description = "The upload and how to cut the object into parts.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MultipartMessages.Started.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "The variant is already uploaded, empty, or its provider cannot upload in parts;"
            + " or it has artifact-store.uploads.max-multipart-per-variant uploads open already (abort one, or ask for a new ticket).")
    @APIResponse(responseCode = "413", ref = "ContentTooLarge", description = "The object does not fit in the provider's largest parts.")
    public Uni<Response> start(@PathParam("id") @Parameter(description = ID) String id,
                               @QueryParam("variant") @Parameter(description = "Variant name; default original") String variant) {
        return service.start(tenant.caller(), Ids.require("id", id),
                        variant == null ? UploadRequest.DEFAULT_VARIANT : Ids.require("variant", variant))
                .map(started -> Response.status(Response.Status.CREATED).entity(started).build());
    }

    @POST
    @Path("{uploadId}/parts")
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    @Operation(summary = "Sign part URLs",
            description = "A signed PUT for each part named (1 to 1000 a call), bound to the upload, the part number and"
                    + " the part's exact size. The part's PUT answers the part's `ETag`, which complete needs. Role: artifacts.write.")
    @APIResponse(responseCode = "200", description = "One request per part.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MultipartMessages.SignedParts.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound", description = "No usable upload of this id on this artifact.")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "The upload has expired.")
    public Uni<MultipartMessages.SignedParts> signParts(@PathParam("id") @Parameter(description = ID) String id,
                                                        @PathParam("uploadId") @Parameter(description = UPLOAD_ID) String uploadId,
                                                        MultipartMessages.PartNumbers request) {
        return service.signParts(tenant.id(), Ids.require("id", id), Ids.require("uploadId", uploadId), request);
    }

    @GET
    @Path("{uploadId}/parts")
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    @Operation(summary = "List the parts uploaded so far", description = "What the store holds, to resume an upload. Role: artifacts.write.")
    @APIResponse(responseCode = "200", description = "The parts, by number.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MultipartMessages.StoredParts.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound", description = "No usable upload of this id on this artifact.")
    public Uni<MultipartMessages.StoredParts> listParts(@PathParam("id") @Parameter(description = ID) String id,
                                                        @PathParam("uploadId") @Parameter(description = UPLOAD_ID) String uploadId) {
        return service.listParts(tenant.id(), Ids.require("id", id), Ids.require("uploadId", uploadId));
    }

    @POST
    @Path("{uploadId}/complete")
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    @Operation(summary = "Complete a multipart upload: assemble the parts, verify, make the variant AVAILABLE",
            description = "Name every part, 1 to partCount in order, with the ETag its PUT answered. The store assembles them;"
                    + " then the object is checked exactly as by complete (size, and sha256 where declared). Safe to retry: once"
                    + " it went through, a retry answers the artifact as it is. Role: artifacts.write.")
    @APIResponse(responseCode = "200", description = "The artifact, with the variant AVAILABLE.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ArtifactView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest", description = "A part is missing from the list or the store, or has another ETag.")
    @APIResponse(responseCode = "404", ref = "NotFound", description = "No usable upload of this id on this artifact.")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "No object, or the upload was aborted while completing: the artifact was deleted or the variant got a new ticket.")
    @APIResponse(responseCode = "422", ref = "UnprocessableContent")
    @APIResponse(responseCode = "507", ref = "StorageFull", description = "The provider's volume cannot hold the assembled object;"
            + " the parts are kept and the variant stays PENDING. Complete again once space is freed.")
    public Uni<ArtifactView> complete(@PathParam("id") @Parameter(description = ID) String id,
                                      @PathParam("uploadId") @Parameter(description = UPLOAD_ID) String uploadId,
                                      MultipartMessages.Complete request) {
        return service.complete(tenant.caller(), Ids.require("id", id), Ids.require("uploadId", uploadId), request);
    }

    @DELETE
    @Path("{uploadId}")
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    @Operation(summary = "Abort a multipart upload", description = "The parts are removed; the variant stays pending. Role: artifacts.write.")
    @APIResponse(responseCode = "204", description = "Aborted.")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound", description = "No usable upload of this id on this artifact.")
    public Uni<Response> abort(@PathParam("id") @Parameter(description = ID) String id,
                               @PathParam("uploadId") @Parameter(description = UPLOAD_ID) String uploadId) {
        return service.abort(tenant.caller(), Ids.require("id", id), Ids.require("uploadId", uploadId))
                .map(ignored -> Response.noContent().build());
    }
}
