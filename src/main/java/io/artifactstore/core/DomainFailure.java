package io.artifactstore.core;

/**
 * What the domain turns a request down for, named by its kind: the record's state, the declared
 * bytes, a quota. Only the api package turns kinds into HTTP answers (README "Architecture"), as it
 * does for a {@link StoreFailure}. The message is written for the client. No stack trace is
 * captured: an expected outcome, not a bug.
 */
public class DomainFailure extends RuntimeException {

    public enum Kind {
        /** A value breaks the rules; {@link #field()} names it when it came in one. */
        INVALID,
        /** No such record of the caller's tenant (or one the caller may not see). */
        NOT_FOUND,
        /** The record's state does not allow this now: already uploaded, changed meanwhile, of another type or board. */
        CONFLICT,
        /** No bytes have been uploaded for the variant yet. */
        NOT_UPLOADED,
        /** The ticket or upload this call continues has expired. */
        EXPIRED,
        /** A parallel call on the same record is still running; calling again gets its outcome. */
        IN_PROGRESS,
        /** A body whose length must be announced was not. */
        LENGTH_REQUIRED,
        /** More bytes than a rule allows. */
        TOO_LARGE,
        /** A content type a rule does not allow. */
        UNSUPPORTED_TYPE,
        /** The uploaded bytes failed their checks (size, sha256, content) and were deleted. */
        REJECTED_CONTENT,
        /** The tenant's quota cannot hold this; nothing was recorded. */
        OVER_QUOTA,
        /** The caller's credentials do not allow this. */
        FORBIDDEN,
        /** No capacity for this right now (no provider can take it, too many at once): try again after {@link #retryAfterSeconds()}. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final String field;
    private final Long retryAfterSeconds;

    private DomainFailure(Kind kind, String message, String field, Long retryAfterSeconds) {
        super(message, null, false, false);
        this.kind = kind;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static DomainFailure of(Kind kind, String message) {
        return new DomainFailure(kind, message, null, null);
    }

    /** A value that breaks the rules, naming the field it came in. */
    public static DomainFailure invalidField(String field, String message) {
        return new DomainFailure(Kind.INVALID, message, field, null);
    }

    public static DomainFailure invalid(String message) {
        return of(Kind.INVALID, message);
    }

    public static DomainFailure notFound(String message) {
        return of(Kind.NOT_FOUND, message);
    }

    public static DomainFailure conflict(String message) {
        return of(Kind.CONFLICT, message);
    }

    public static DomainFailure tooLarge(String message) {
        return of(Kind.TOO_LARGE, message);
    }

    public static DomainFailure rejectedContent(String message) {
        return of(Kind.REJECTED_CONTENT, message);
    }

    public static DomainFailure unavailable(String message, long retryAfterSeconds) {
        return new DomainFailure(Kind.UNAVAILABLE, message, null, Math.max(1, retryAfterSeconds));
    }

    /** Whether {@code failure} is a domain failure of this kind. */
    public static boolean is(Throwable failure, Kind kind) {
        return failure instanceof DomainFailure f && f.kind == kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The field an {@link Kind#INVALID} value came in, or null. */
    public String field() {
        return field;
    }

    /** Seconds after which trying again may pass ({@link Kind#UNAVAILABLE}); null otherwise. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
