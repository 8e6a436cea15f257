package io.artifactstore.api;

import java.util.List;

/**
 * A failure the client can act on, carrying everything its problem+json answer needs.
 * Thrown by the domain; mapped to HTTP in one place ({@link ProblemMapper}). No stack trace is
 * captured: it is an expected outcome, not a bug.
 */
public class ServiceException extends RuntimeException {

    private final int status;
    private final String title;
    private final List<FieldError> errors;
    private final Long retryAfterSeconds;

    public ServiceException(int status, String title, String detail) {
        this(status, title, detail, List.of());
    }

    public ServiceException(int status, String title, String detail, List<FieldError> errors) {
        this(status, title, detail, errors, null);
    }

    private ServiceException(int status, String title, String detail, List<FieldError> errors, Long retryAfterSeconds) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds after which trying again may succeed ({@code Retry-After}); null when it would not help. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public static ServiceException badRequest(String detail) {
        return new ServiceException(400, "Bad Request", detail);
    }

    public static ServiceException invalidField(String field, String message) {
        return new ServiceException(400, "Bad Request", "Validation failed", List.of(new FieldError(field, message)));
    }

    public static ServiceException notFound(String detail) {
        return new ServiceException(404, "Not Found", detail);
    }

    public static ServiceException conflict(String detail) {
        return new ServiceException(409, "Conflict", detail);
    }

    public static ServiceException tooLarge(String detail) {
        return new ServiceException(413, "Content Too Large", detail);
    }

    public static ServiceException unsupportedMediaType(String detail) {
        return new ServiceException(415, "Unsupported Media Type", detail);
    }

    public static ServiceException unprocessable(String detail) {
        return new ServiceException(422, "Unprocessable Content", detail);
    }

    public static ServiceException requestTimeout(String detail) {
        return new ServiceException(408, "Request Timeout", detail);
    }

    public static ServiceException tooManyRequests(String detail, long retryAfterSeconds) {
        return new ServiceException(429, "Too Many Requests", detail, List.of(), Math.max(1, retryAfterSeconds));
    }

    public static ServiceException unavailable(String detail, long retryAfterSeconds) {
        return new ServiceException(503, "Service Unavailable", detail, List.of(), Math.max(1, retryAfterSeconds));
    }

    /** A store with no room for the bytes: the same request passes once space is freed. */
    public static ServiceException insufficientStorage(String detail, long retryAfterSeconds) {
        return new ServiceException(507, "Insufficient Storage", detail, List.of(), Math.max(1, retryAfterSeconds));
    }

    public record FieldError(String field, String message) {
    }
}
