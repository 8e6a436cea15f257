package io.artifactstore.security;

/** The roles of the README's API reference, carried in the token's {@code groups} claim. Admin may do everything. */
public final class Roles {
    public static final String READ = "artifacts.read";
    public static final String WRITE = "artifacts.write";
    public static final String ADMIN = "artifacts.admin";

    private Roles() {
    }
}
