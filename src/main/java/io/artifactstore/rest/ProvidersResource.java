package io.artifactstore.rest;

import io.artifactstore.resilience.ProviderMonitor;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** {@code GET /api/v1/providers}: each provider's health and breaker state (README "API reference"). */
@Path("/api/v1/providers")
@Produces(MediaType.APPLICATION_JSON)
public class ProvidersResource {

    @Inject
    ProviderRegistry providers;

    @Inject
    ProviderMonitor monitor;

    /** {@code problem}: why the provider cannot take uploads (such as "bucket 'x' does not exist"), null while it can. */
    public record ProviderStatus(String name, String type, boolean healthy, String circuit,
                                 @Schema(nullable = true, description = "Why the provider cannot take uploads; null while it can",
                                         examples = "bucket 'media' does not exist") String problem) {
    }

    @GET
    @RolesAllowed(Roles.ADMIN)
    @Tag(name = "Operations")
    @Operation(summary = "List the storage providers with their health and circuit breaker state",
            description = "`healthy`: the provider's last probe passed and its breaker is not open, so it takes new uploads."
                    + " `circuit`: CLOSED, OPEN or HALF_OPEN. `problem`: why it cannot take uploads, such as"
                    + " \"bucket 'x' does not exist\" or \"circuit open after: timeouts\"; null while it can. Role: artifacts.admin.")
    @APIResponse(responseCode = "200", description = "Every configured provider.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.ARRAY, implementation = ProviderStatus.class)))
    public List<ProviderStatus> list() {
        return providers.all().stream()
                .map(p -> new ProviderStatus(p.name(), p.type(), monitor.canTakeUploads(p.name()), p.circuitState().name(),
                        monitor.problem(p.name()).orElse(null)))
                .toList();
    }
}
