package io.artifactstore.rest;

import io.artifactstore.artifact.ArtifactPage;
import io.artifactstore.artifact.ArtifactQueries;
import io.artifactstore.artifact.ArtifactView;
import io.artifactstore.artifact.Completion;
import io.artifactstore.artifact.CreatedArtifact;
import io.artifactstore.artifact.Deletion;
import io.artifactstore.artifact.StreamedUpload;
import io.artifactstore.artifact.Tickets;
import io.artifactstore.artifact.UploadRequest;
import io.artifactstore.records.ArtifactFilter;
import io.artifactstore.records.Status;
import io.artifactstore.api.HttpProblems;
import io.artifactstore.api.QueryParams;
import io.artifactstore.api.ServiceException;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.Ids;
import io.artifactstore.idempotency.Idempotent;
import io.artifactstore.idempotency.IdempotentCalls;
import io.artifactstore.provider.PacedBody;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.security.Caller;
import io.artifactstore.security.CurrentTenant;
import io.artifactstore.security.Roles;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;

/** The artifact endpoints of the README's API reference: HTTP in, one service call, HTTP out. */
@Path("/api/v1/artifacts")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Artifacts")
// Any call here may meet the database or a provider down; 401, 403, 408, 411, 413 and 500 are added to every API call by api.CommonProblemResponses.
@APIResponse(responseCode = "503", ref = "ServiceUnavailable")
public class ArtifactResource {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 1000;
    private static final String VARIANT = "Variant name; default original";
    private static final String IDEMPOTENCY_KEY = "1 to 255 printable ASCII characters, unique per operation (a UUID):"
            + " a retry with the same key and the same request gets the first answer again (Idempotent-Replayed: true),"
            + " another request with it 422, one while the first still runs 409. Kept per tenant for"
            + " artifact-store.idempotency.ttl (24 hours).";
    private static final String REPLAYED = "true when this is the stored answer of an earlier request with the same Idempotency-Key";

    @Inject
    Tickets tickets;

    @Inject
    Completion completion;

    @Inject
    ArtifactQueries queries;

    @Inject
    Deletion deletion;

    @Inject
    CurrentTenant tenant;

    @Inject
    StreamedUpload streamed;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Clock clock;

    @POST
    @Idempotent
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    @Operation(summary = "Create an artifact, or a variant of one, and get its upload ticket",
            description = "Records the variant as PENDING on the provider the routing rules choose and answers the exact"
                    + " request to upload its bytes with (method, URL, headers, expiry). Then PUT exactly `size` bytes"
                    + " there and call complete. With `artifactId`, adds (or re-tickets) a variant of that artifact;"
                    + " a variant other than `original` needs it. Role: artifacts.write.")
    @APIResponse(responseCode = "201", description = "The pending artifact and the upload ticket.",
            headers = {@Header(name = "Location", description = "/api/v1/artifacts/{id}", schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = IdempotentCalls.REPLAYED, description = REPLAYED, schema = @Schema(type = SchemaType.STRING))},
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreatedArtifact.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound", description = "`artifactId` names no artifact of this tenant.")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "`artifactId` names an artifact of another type or board,"
            + " or a request with this Idempotency-Key is in progress.")
    @APIResponse(responseCode = "413", ref = "ContentTooLarge", description = "`size` exceeds the type's or variant's max-size, or the body exceeds 1 MiB.")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "422", ref = "UnprocessableContent", description = "The Idempotency-Key was used with another request.")
    @APIResponse(responseCode = "507", ref = "InsufficientStorage", description = "The tenant's quota cannot hold this upload; nothing is recorded.")
    public Uni<Response> create(@Valid @NotNull UploadRequest request,
                                @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IDEMPOTENCY_KEY) String idempotencyKey) {
        return tickets.create(tenant.caller(), request).map(created -> Response
                .created(URI.create("/api/v1/artifacts/" + created.artifact().id()))
                .entity(created).build());
    }

    @POST
    @Path("{id}/complete")
    @Idempotent
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    @Operation(summary = "Complete an upload: verify the stored object and make the variant AVAILABLE",
            description = "Checks the stored object against the declared size (and sha256 where declared). A missing object"
                    + " answers 409; a mismatch 422, and the bad object is deleted. On an AVAILABLE variant: 200, no change."
                    + " Role: artifacts.write.")
    @APIResponse(responseCode = "200", description = "The artifact, with the variant AVAILABLE.",
            headers = @Header(name = IdempotentCalls.REPLAYED, description = REPLAYED, schema = @Schema(type = SchemaType.STRING)),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ArtifactView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "Nothing has been uploaded yet, or the variant got a new upload ticket"
            + " meanwhile, or a request with this Idempotency-Key is in progress.")
    @APIResponse(responseCode = "422", ref = "UnprocessableContent", description = "The object does not match the declared size or"
            + " sha256, or the Idempotency-Key was used with another request.")
    public Uni<Response> complete(@PathParam("id") @Parameter(description = "Artifact id") String id,
                                  @QueryParam("variant") @DefaultValue(UploadRequest.DEFAULT_VARIANT) @Parameter(description = VARIANT) String variant,
                                  @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IDEMPOTENCY_KEY) String idempotencyKey) {
        return completion.complete(tenant.caller(), Ids.require("id", id), variantName(variant))
                .map(view -> Response.ok(view).build());
    }

    @PUT
    @Path("{id}/content")
    @Consumes(MediaType.WILDCARD)
    @Idempotent
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    @Operation(summary = "Upload a pending variant's bytes through the service, and make it AVAILABLE",
            description = "For workers: the body, of exactly the declared size (Content-Length required), streams to the"
                    + " provider that can take it now (the variant's own, else a fallback of its routing rule), its sha256"
                    + " computed on the way and checked against the declared one; the variant is AVAILABLE when the call"
                    + " answers. Without Content-Length: 411; above the declared size: 413. The request's Content-Type is not"
                    + " used: the declared one is stored. A body cut short"
                    + " stores nothing and leaves the variant PENDING; so does one that stalls (less than artifact-store.uploads.min-rate"
                    + " over uploads.rate-window while the service waits for bytes): 408. A provider that fails midway answers 503: send"
                    + " the bytes again. With an Idempotency-Key, the request is told apart by its path, variant and"
                    + " Content-Length, not by its bytes: a replay answers without reading the body. Role: artifacts.write.")
    @RequestBody(required = true, description = "Exactly the declared size in bytes",
            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM, schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "200", description = "The artifact, with the variant AVAILABLE.",
            headers = @Header(name = IdempotentCalls.REPLAYED, description = REPLAYED, schema = @Schema(type = SchemaType.STRING)),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ArtifactView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest", description = "Content-Length is below the declared size, or the body ended short.")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "The variant is AVAILABLE already, or another upload of it won,"
            + " or a request with this Idempotency-Key is in progress.")
    @APIResponse(responseCode = "422", ref = "UnprocessableContent", description = "The body's sha256 differs from the declared one;"
            + " nothing is kept. Or the Idempotency-Key was used with another request.")
    @APIResponse(responseCode = "507", ref = "StorageFull", description = "The provider's volume is full; nothing is kept and the"
            + " variant stays PENDING. Send the bytes again once space is freed.")
    public Uni<Response> upload(@PathParam("id") @Parameter(description = "Artifact id") String id,
                                @QueryParam("variant") @DefaultValue(UploadRequest.DEFAULT_VARIANT) @Parameter(description = VARIANT) String variant,
                                @HeaderParam(IdempotentCalls.HEADER) @Parameter(description = IDEMPOTENCY_KEY) String idempotencyKey,
                                @Context RoutingContext ctx) {
        HttpProblems.closeWhenAnsweredEarly(ctx);
        HttpServerRequest request = ctx.request();
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        Caller caller = tenant.caller();
        String artifactId = Ids.require("id", id);
        String name = variantName(variant);
        Long declaredLength = contentLength(length);
        // The body is read only once the service subscribes, after the variant and its target are settled;
        // a client that asked to wait (Expect: 100-continue, as curl -T does) is told to send it only then.
        // It is paced like a signed PUT, counting only the time the writer waits for bytes (README "Operations").
        Multi<ByteBuffer> body = PacedBody.of(io.vertx.mutiny.core.http.HttpServerRequest.newInstance(request).toMulti(),
                        config.uploads(), ctx.vertx(), clock, declaredLength == null ? Long.MAX_VALUE : declaredLength,
                        Long.MAX_VALUE)
                .onSubscription().invoke(() -> {
                    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
                        request.response().writeContinue();
                    }
                })
                .map(buffer -> buffer.getDelegate().getByteBuf().nioBuffer());
        return streamed.upload(caller, artifactId, name, declaredLength, body).map(view -> Response.ok(view).build());
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Roles.READ, Roles.ADMIN})
    @Operation(summary = "Get an artifact", description = "The artifact and all its variants. Role: artifacts.read.")
    @APIResponse(responseCode = "200", description = "The artifact.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ArtifactView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Uni<ArtifactView> get(@PathParam("id") @Parameter(description = "Artifact id") String id) {
        return queries.get(tenant.id(), Ids.require("id", id));
    }

    @GET
    @RolesAllowed({Roles.READ, Roles.ADMIN})
    @Operation(summary = "List artifacts, newest first, a page at a time",
            description = "Keyset pagination: pass the answer's `nextCursor` as `cursor` for the next page; it is null on"
                    + " the last one. Role: artifacts.read.")
    @APIResponse(responseCode = "200", description = "One page.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ArtifactPage.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public Uni<ArtifactPage> list(@QueryParam("boardId") @Parameter(description = "Only artifacts of this board") String boardId,
                                  @QueryParam("type") @Parameter(description = "Only artifacts of this type",
                                          schema = @Schema(type = SchemaType.STRING, enumeration = {"image", "video", "audio", "text", "model", "dataset", "intermediate"})) String type,
                                  @QueryParam("status") @Parameter(description = "Only artifacts in this status",
                                          schema = @Schema(type = SchemaType.STRING, enumeration = {"PENDING", "AVAILABLE", "EXPIRED", "MISSING"})) String status,
                                  @QueryParam("limit") @Parameter(description = "Page size, 1 to 1000",
                                          schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000", defaultValue = "50")) String limit,
                                  @QueryParam("cursor") @Parameter(description = "`nextCursor` of the previous page, as it was given") String cursor) {
        var filter = new ArtifactFilter(
                boardId == null ? null : Ids.require("boardId", boardId),
                type == null ? null : ArtifactType.fromWireName(type)
                        .orElseThrow(() -> ServiceException.invalidField("type", "is not an artifact type")),
                status == null ? null : parseStatus(status));
        return queries.list(tenant.id(), filter, QueryParams.intInRange("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT), cursor);
    }

    @GET
    @Path("{id}/download-url")
    @RolesAllowed({Roles.READ, Roles.ADMIN})
    @Operation(summary = "Get a signed download URL of a variant",
            description = "A time-limited GET of the variant's bytes, straight from its provider. Role: artifacts.read.")
    @APIResponse(responseCode = "200", description = "The request to make: method GET, URL, expiry.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SignedRequest.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "The variant's upload has not been completed.")
    public Uni<SignedRequest> downloadUrl(@PathParam("id") @Parameter(description = "Artifact id") String id,
                                          @QueryParam("variant") @Parameter(description = VARIANT) String variant,
                                          @QueryParam("expiresIn") @Parameter(description = "Lifetime of the URL in seconds, from 1 to"
                                                  + " artifact-store.signing.max-ttl (7 days); default artifact-store.signing.download-ttl (1 hour)",
                                                  schema = @Schema(type = SchemaType.INTEGER, minimum = "1")) String expiresIn,
                                          @QueryParam("disposition") @Parameter(description = "Content-Disposition of the download,"
                                                  + " with the artifact's filename; none by default",
                                                  schema = @Schema(type = SchemaType.STRING, enumeration = {"inline", "attachment"})) String disposition) {
        return queries.downloadUrl(tenant.id(), Ids.require("id", id), variantName(variant),
                expiresIn == null ? null : Duration.ofSeconds(QueryParams.intInRange("expiresIn", expiresIn, 0, 1, Integer.MAX_VALUE)),
                parseDisposition(disposition));
    }

    @GET
    @Path("{id}/content")
    @RolesAllowed({Roles.READ, Roles.ADMIN})
    @Operation(summary = "Redirect to a fresh signed download URL of a variant",
            description = "For links and <img> tags: a 302 to a URL valid for artifact-store.signing.download-ttl. Role: artifacts.read.")
    @APIResponse(responseCode = "302", description = "Found: follow Location.",
            headers = @Header(name = "Location", description = "The signed download URL", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "The variant's upload has not been completed.")
    public Uni<Response> content(@PathParam("id") @Parameter(description = "Artifact id") String id,
                                 @QueryParam("variant") @Parameter(description = VARIANT) String variant) {
        return queries.downloadUrl(tenant.id(), Ids.require("id", id), variantName(variant), null, null)
                .map(url -> Response.status(Response.Status.FOUND).location(URI.create(url.url()))
                        .header("Cache-Control", "no-store").build());
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed({Roles.WRITE, Roles.ADMIN})
    @Operation(summary = "Delete an artifact and the stored objects of all its variants",
            description = "The record goes at once; objects a provider cannot delete now are deleted later by the tombstone"
                    + " sweeper. Role: artifacts.write.")
    @APIResponse(responseCode = "204", description = "Deleted.")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Uni<Response> delete(@PathParam("id") @Parameter(description = "Artifact id") String id) {
        return deletion.delete(tenant.caller(), Ids.require("id", id)).map(ignored -> Response.noContent().build());
    }

    private static String variantName(String variant) {
        return variant == null ? UploadRequest.DEFAULT_VARIANT : Ids.require("variant", variant);
    }

    /** The announced body length; null when none is announced. */
    private static Long contentLength(String header) {
        if (header == null) {
            return null;
        }
        String value = header.trim();
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw ServiceException.badRequest("Malformed Content-Length");
        }
        return Long.parseLong(value);
    }

    private static Status parseStatus(String status) {
        try {
            return Status.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidField("status", "must be PENDING, AVAILABLE, EXPIRED or MISSING");
        }
    }

    private static String parseDisposition(String disposition) {
        if (disposition == null || disposition.equals("inline") || disposition.equals("attachment")) {
            return disposition;
        }
        throw ServiceException.invalidField("disposition", "must be inline or attachment");
    }
}
