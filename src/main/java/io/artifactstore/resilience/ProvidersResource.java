package io.artifactstore.resilience;

import io.artifactstore.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** {@code GET /api/v1/providers}: each provider's health and breaker state (CONTRACT §3). */
@Path("/api/v1/providers")
@Produces(MediaType.APPLICATION_JSON)
public class ProvidersResource {

    @Inject
    ProviderRegistry providers;

    @Inject
    ProviderMonitor monitor;

    public record ProviderStatus(String name, String type, boolean healthy, String circuit) {
    }

    @GET
    @RolesAllowed(Roles.ADMIN)
    public List<ProviderStatus> list() {
        return providers.all().stream()
                .map(p -> new ProviderStatus(p.name(), p.type(), monitor.canTakeUploads(p.name()), p.circuitState().name()))
                .toList();
    }
}
