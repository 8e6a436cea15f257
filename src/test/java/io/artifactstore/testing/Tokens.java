package io.artifactstore.testing;

import io.artifactstore.dev.DevKeys;
import io.artifactstore.security.Roles;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.smallrye.jwt.util.KeyUtils;

import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Set;

/** Real RS256 tokens, signed in the test with the key the service verifies against. */
public final class Tokens {

    private Tokens() {
    }

    public static String of(String tenant, String... roles) {
        return sign(claims(tenant, roles), privateKey());
    }

    /** A token of {@code tenant} whose {@code sub} claim is {@code subject}, whatever it holds. */
    public static String withSubject(String tenant, String subject, String... roles) {
        return sign(Jwt.issuer(ArtifactStoreTestResource.ISSUER).subject(subject).claim("tenant_id", tenant)
                .groups(Set.of(roles)).expiresIn(Duration.ofMinutes(5)), privateKey());
    }

    public static String readerWriter(String tenant) {
        return of(tenant, Roles.READ, Roles.WRITE);
    }

    public static String expired(String tenant) {
        return sign(claims(tenant, Roles.READ).issuedAt(System.currentTimeMillis() / 1000 - 7200)
                .expiresAt(System.currentTimeMillis() / 1000 - 3600), privateKey());
    }

    public static String wrongIssuer(String tenant) {
        return sign(Jwt.issuer("someone-else").subject("user").claim("tenant_id", tenant)
                .groups(Set.of(Roles.READ)).expiresIn(Duration.ofMinutes(5)), privateKey());
    }

    /** Well-formed, but signed by a key the service has never seen. */
    public static String foreignKey(String tenant) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return sign(claims(tenant, Roles.READ), generator.generateKeyPair().getPrivate());
    }

    /** A token whose tenant claim is any JSON value: a number, a boolean, an array ... */
    public static String withTenantClaim(Object value, String... roles) {
        return sign(Jwt.issuer(ArtifactStoreTestResource.ISSUER).subject("user").claim("tenant_id", value)
                .groups(Set.of(roles)).expiresIn(Duration.ofMinutes(5)), privateKey());
    }

    public static String withoutTenant(String... roles) {
        return sign(Jwt.issuer(ArtifactStoreTestResource.ISSUER).subject("user").groups(Set.of(roles))
                .expiresIn(Duration.ofMinutes(5)), privateKey());
    }

    private static JwtClaimsBuilder claims(String tenant, String... roles) {
        return Jwt.issuer(ArtifactStoreTestResource.ISSUER).subject("user-of-" + tenant).claim("tenant_id", tenant)
                .groups(Set.of(roles)).expiresIn(Duration.ofMinutes(5));
    }

    /**
     * A token of exactly this JSON payload, signed with the key the service trusts: for claims of types
     * the token builder refuses to write (groups as an object, sub as a number).
     */
    public static String ofPayload(String json) {
        org.jose4j.jws.JsonWebSignature jws = new org.jose4j.jws.JsonWebSignature();
        jws.setPayload(json);
        jws.setKey(privateKey());
        jws.setAlgorithmHeaderValue(org.jose4j.jws.AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(JwtClaimsBuilder claims, PrivateKey key) {
        return claims.jws().algorithm(io.smallrye.jwt.algorithm.SignatureAlgorithm.RS256).sign(key);
    }

    private static PrivateKey privateKey() {
        try {
            String pem = Files.readString(ArtifactStoreTestResource.keyFile(DevKeys.PRIVATE_KEY));
            return KeyUtils.decodePrivateKey(pem);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
