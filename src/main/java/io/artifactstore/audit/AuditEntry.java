package io.artifactstore.audit;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/**
 * An audit event as {@code GET /api/v1/audit} shows it: the stored texts as they are, so an action a
 * newer replica wrote (during a rolling deploy) is shown, never refused.
 */
@Schema(name = "AuditEvent", description = "One change: who made it, to what, when, and how it ended.")
public record AuditEntry(
        @Schema(description = "Event id; newer events have greater ids") String id,
        Instant at,
        String tenant,
        @Schema(description = "The token's subject, or system:<job> for the service's own housekeeping") String subject,
        @Schema(enumeration = {"create", "replace", "complete", "delete", "expire", "multipart.start", "multipart.abort",
                "reconcile.start", "reconcile.missing", "reconcile.delete-orphan"}) String action,
        @Schema(nullable = true) String artifactId,
        @Schema(nullable = true) String variant,
        @Schema(enumeration = {"succeeded", "rejected"}) String outcome,
        @Schema(nullable = true, description = "Why it was rejected, or what else it concerned") String detail) {
}
