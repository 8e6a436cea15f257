package io.artifactstore.core;

/**
 * A failure named by its kind: what went wrong with a key, a body or a store, not how a protocol
 * says it. Only the api package turns kinds into HTTP answers; the resilience layer retries, and
 * counts against a provider's breaker, exactly the failures that are {@link #temporary()}. The
 * message is written for the client and never holds a store's own error text. No stack trace is
 * captured: an expected outcome, not a bug.
 */
public class StoreFailure extends RuntimeException {

    public enum Kind {
        /** A key, an id or a value breaks the vocabulary's rules. */
        INVALID,
        /** No object where one was asked for. */
        NOT_FOUND,
        /** The key already holds an object, and a key is written once. */
        ALREADY_EXISTS,
        /** More bytes than were declared. */
        TOO_LARGE,
        /** Fewer bytes than were declared. */
        WRONG_LENGTH,
        /** The bytes differ from their declared checksum. */
        BAD_CHECKSUM,
        /** A signed request that does not verify, or has expired. */
        DENIED,
        /** A byte range outside the object. */
        BAD_RANGE,
        /** A body that stalled, trickled or outlived its deadline. */
        STALLED,
        /**
         * The store has no room for the bytes (a full volume, an exhausted quota of the store itself):
         * nothing was kept, and the same request passes once space is freed.
         */
        NO_SPACE,
        /** The target is busy with another request: trying again later may pass. */
        BUSY,
        /** The store is unreachable, overloaded or failing: trying again later may pass. */
        UNAVAILABLE,
        /** The store turned the request down for reasons of its own (credentials, policy). */
        REFUSED,
        /**
         * The store is not set up as configured, such as a bucket that does not exist: an operator has
         * to act, so trying again will not cure it.
         */
        MISCONFIGURED
    }

    /** What a store's outage tells the client: nothing of the store's own error. */
    public static final String UNAVAILABLE_DETAIL = "A storage provider is unavailable; try again shortly";

    private final Kind kind;
    private final String field;
    private final boolean temporary;
    private final Long retryAfterSeconds;

    protected StoreFailure(Kind kind, String message, String field, Long retryAfterSeconds, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
        this.field = field;
        this.temporary = kind == Kind.BUSY || kind == Kind.UNAVAILABLE;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A failure of a kind that trying again will not cure, with its detail for the client. */
    public static StoreFailure of(Kind kind, String message) {
        return new StoreFailure(kind, message, null, null, null);
    }

    /** A value that breaks the rules, naming the field it came in. */
    public static StoreFailure invalidField(String field, String message) {
        return new StoreFailure(Kind.INVALID, message, field, null, null);
    }

    public static StoreFailure busy(String message, long retryAfterSeconds) {
        return new StoreFailure(Kind.BUSY, message, null, retryAfterSeconds, null);
    }

    public static StoreFailure unavailable(String message, long retryAfterSeconds) {
        return new StoreFailure(Kind.UNAVAILABLE, message, null, retryAfterSeconds, null);
    }

    /** The store could not be reached or failed on its side; the caller picks when to try again. */
    public static StoreFailure unavailable(Throwable cause) {
        return new StoreFailure(Kind.UNAVAILABLE, UNAVAILABLE_DETAIL, null, null, cause);
    }

    /** The store ran out of room while taking the bytes; nothing of them was kept. */
    public static StoreFailure noSpace(Throwable cause) {
        return new StoreFailure(Kind.NO_SPACE, "The storage volume is full; try again once space is freed", null, null, cause);
    }

    /** The store refused a request of ours: a misconfiguration, not something the client can change. */
    public static StoreFailure refused(Throwable cause) {
        return new StoreFailure(Kind.REFUSED, "The storage provider refused the request", null, null, cause);
    }

    /** The provider's bucket does not exist; the message names it, never an endpoint or a credential. */
    public static StoreFailure bucketMissing(String bucket) {
        return new StoreFailure(Kind.MISCONFIGURED, "bucket '" + bucket + "' does not exist", null, null, null);
    }

    /** Whether {@code failure} is a failure of this kind. */
    public static boolean is(Throwable failure, Kind kind) {
        return failure instanceof StoreFailure f && f.kind == kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The field an {@link Kind#INVALID} value came in, or null. */
    public String field() {
        return field;
    }

    /** Whether trying again may pass: such failures are retried and count against a provider's breaker. */
    public boolean temporary() {
        return temporary;
    }

    /** Seconds after which trying again may pass, when the failure knows; null otherwise. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
