package io.artifactstore.audit;

import java.util.Arrays;
import java.util.Optional;

/** What a change did, as the audit trail names it (README "Audit trail"). */
public enum AuditAction {
    /** A ticket: a new artifact, a new variant, or a new ticket for a pending, expired or missing variant. */
    CREATE("create"),
    /** A ticket to replace the verified bytes of an available variant. */
    REPLACE("replace"),
    /** Uploaded bytes verified: the variant (or its replacement) is available; or, rejected, the bytes were deleted. */
    COMPLETE("complete"),
    /** An artifact and all its variants deleted. */
    DELETE("delete"),
    /** The expiry reaper: a pending upload or replacement expired, an intermediate artifact outlived its TTL, a multipart upload expired. */
    EXPIRE("expire"),
    MULTIPART_START("multipart.start"),
    MULTIPART_ABORT("multipart.abort"),
    /** An admin started a reconciliation job. */
    RECONCILE_START("reconcile.start"),
    /** Reconciliation marked a record without bytes MISSING. */
    RECONCILE_MISSING("reconcile.missing"),
    /** Reconciliation deleted bytes no record names. */
    RECONCILE_DELETE_ORPHAN("reconcile.delete-orphan");

    private final String wireName;

    AuditAction(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<AuditAction> fromWireName(String name) {
        return Arrays.stream(values()).filter(a -> a.wireName.equals(name)).findFirst();
    }

    /** Every wire name, for an error that lists them. */
    public static String wireNames() {
        return String.join(", ", Arrays.stream(values()).map(AuditAction::wireName).toList());
    }
}
