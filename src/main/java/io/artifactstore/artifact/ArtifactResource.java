package io.artifactstore.artifact;

import io.artifactstore.api.ServiceException;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.Ids;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.security.CurrentTenant;
import io.artifactstore.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
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

import java.net.URI;
import java.time.Duration;

/** The artifact endpoints of CONTRACT §3: HTTP in, one service call, HTTP out. */
@Path("/api/v1/artifacts")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ArtifactResource {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 1000;

    @Inject
    ArtifactService service;

    @Inject
    CurrentTenant tenant;

    @POST
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    public Uni<Response> create(@Valid @NotNull UploadRequest request) {
        return service.create(tenant.id(), request).map(created -> Response
                .created(URI.create("/api/v1/artifacts/" + created.artifact().id()))
                .entity(created).build());
    }

    @POST
    @Path("{id}/complete")
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    public Uni<ArtifactView> complete(@PathParam("id") String id, @QueryParam("variant") String variant) {
        return service.complete(tenant.id(), Ids.require("id", id), variantName(variant));
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Roles.READ, Roles.ADMIN})
    public Uni<ArtifactView> get(@PathParam("id") String id) {
        return service.get(tenant.id(), Ids.require("id", id));
    }

    @GET
    @RolesAllowed({Roles.READ, Roles.ADMIN})
    public Uni<ArtifactPage> list(@QueryParam("boardId") String boardId, @QueryParam("type") String type,
                                  @QueryParam("status") String status, @QueryParam("limit") String limit,
                                  @QueryParam("cursor") String cursor) {
        var filter = new ArtifactFilter(
                boardId == null ? null : Ids.require("boardId", boardId),
                type == null ? null : ArtifactType.fromWireName(type)
                        .orElseThrow(() -> ServiceException.invalidField("type", "is not an artifact type")),
                status == null ? null : parseStatus(status));
        return service.list(tenant.id(), filter, QueryParams.intInRange("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT), cursor);
    }

    @GET
    @Path("{id}/download-url")
    @RolesAllowed({Roles.READ, Roles.ADMIN})
    public Uni<SignedRequest> downloadUrl(@PathParam("id") String id, @QueryParam("variant") String variant,
                                          @QueryParam("expiresIn") String expiresIn,
                                          @QueryParam("disposition") String disposition) {
        return service.downloadUrl(tenant.id(), Ids.require("id", id), variantName(variant),
                expiresIn == null ? null : Duration.ofSeconds(QueryParams.intInRange("expiresIn", expiresIn, 0, 1, Integer.MAX_VALUE)),
                parseDisposition(disposition));
    }

    @GET
    @Path("{id}/content")
    @RolesAllowed({Roles.READ, Roles.ADMIN})
    public Uni<Response> content(@PathParam("id") String id, @QueryParam("variant") String variant) {
        return service.downloadUrl(tenant.id(), Ids.require("id", id), variantName(variant), null, null)
                .map(url -> Response.status(Response.Status.FOUND).location(URI.create(url.url()))
                        .header("Cache-Control", "no-store").build());
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    public Uni<Response> delete(@PathParam("id") String id) {
        return service.delete(tenant.id(), Ids.require("id", id)).map(ignored -> Response.noContent().build());
    }

    private static String variantName(String variant) {
        return variant == null ? UploadRequest.DEFAULT_VARIANT : Ids.require("variant", variant);
    }

    private static Status parseStatus(String status) {
        try {
            return Status.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidField("status", "must be PENDING or AVAILABLE");
        }
    }

    private static String parseDisposition(String disposition) {
        if (disposition == null || disposition.equals("inline") || disposition.equals("attachment")) {
            return disposition;
        }
        throw ServiceException.invalidField("disposition", "must be inline or attachment");
    }
}
