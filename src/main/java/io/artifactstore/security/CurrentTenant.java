package io.artifactstore.security;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The tenant of the authenticated caller, from the configured JWT claim. One instance serves every
 * request (the token is the request's own through its proxy), so no bean is built per call.
 */
@ApplicationScoped
public class CurrentTenant {

    @Inject
    JsonWebToken token;

    @Inject
    ArtifactStoreConfig config;

    /**
     * The caller's tenant id; a token without a usable one is refused like a missing role. Only a JSON
     * string is a tenant: a number, boolean or float is not converted, or 123 and "123" would be one tenant.
     */
    public String id() {
        Object claim = token.getClaim(config.auth().tenantClaim());
        String tenant = claim instanceof String text ? text
                : claim instanceof JsonString json ? json.getString() : null;
        if (tenant == null || !Ids.isValid(tenant)) {
            throw DomainFailure.of(DomainFailure.Kind.FORBIDDEN, "The token carries no valid tenant");
        }
        return tenant;
    }

    /** The caller: tenant and subject ({@code sub}, else the token's name), for the audit trail. */
    public Caller caller() {
        String subject = token.getSubject() != null ? token.getSubject() : token.getName();
        return Caller.ofToken(id(), subject);
    }
}
