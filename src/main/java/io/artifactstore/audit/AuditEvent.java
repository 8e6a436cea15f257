package io.artifactstore.audit;

import io.artifactstore.core.Ulid;
import io.artifactstore.security.Caller;

import java.time.Instant;

/**
 * One change, as the audit trail keeps it. {@code detail} is a short text for people (why a
 * complete was rejected, which job), never secrets or signed URLs; it is cut to {@link #MAX_DETAIL}.
 */
public record AuditEvent(String id, Instant at, Caller caller, AuditAction action, String artifactId, String variant,
                         Outcome outcome, String detail) {

    static final int MAX_DETAIL = 1024;

    public enum Outcome {
        /** The change was made. */
        SUCCEEDED,
        /** The change was refused after it touched something: uploaded bytes that failed verification were deleted. */
        REJECTED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public AuditEvent {
        if (detail != null && detail.length() > MAX_DETAIL) {
            int end = Character.isHighSurrogate(detail.charAt(MAX_DETAIL - 2)) ? MAX_DETAIL - 2 : MAX_DETAIL - 1;
            detail = detail.substring(0, end) + "…";
        }
    }

    /** A change that was made, by {@code caller}, to an artifact's variant (either may be null) at {@code at}. */
    public static AuditEvent succeeded(Caller caller, AuditAction action, String artifactId, String variant, Instant at) {
        return new AuditEvent(Ulid.next(), at, caller, action, artifactId, variant, Outcome.SUCCEEDED, null);
    }

    public static AuditEvent rejected(Caller caller, AuditAction action, String artifactId, String variant, Instant at, String why) {
        return new AuditEvent(Ulid.next(), at, caller, action, artifactId, variant, Outcome.REJECTED, why);
    }

    public AuditEvent withDetail(String text) {
        return new AuditEvent(id, at, caller, action, artifactId, variant, outcome, text);
    }
}
