package io.artifactstore.dev;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.security.Roles;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Set;

/** Prints a ready-to-use bearer token at dev-mode start: tenant {@code dev}, every role, valid a week. */
@IfBuildProfile("dev")
@ApplicationScoped
public class DevTokenPrinter {

    private static final Logger LOG = Logger.getLogger(DevTokenPrinter.class);

    @Inject
    ArtifactStoreConfig config;

    @ConfigProperty(name = "mp.jwt.verify.issuer")
    String issuer;

    void print(@Observes StartupEvent event) {
        String token = Jwt.issuer(issuer)
                .subject("dev-user")
                .claim(config.auth().tenantClaim(), "dev")
                .groups(Set.of(Roles.READ, Roles.WRITE, Roles.ADMIN))
                .expiresIn(Duration.ofDays(7))
                .sign();
        LOG.infof("%n%n  Dev bearer token (tenant 'dev', all roles, valid 7 days):%n%n  export TOKEN=%s%n", token);
    }
}
