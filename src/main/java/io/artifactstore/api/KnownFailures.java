package io.artifactstore.api;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.StoreFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The answer clients get for a failure that is not a {@link ServiceException}: a {@link DomainFailure}
 * or a {@link StoreFailure} by its kind (the one table from kinds to HTTP statuses), an outage as
 * {@link Outages} sees it, or nothing, for a bug, which then is an opaque 500.
 */
@ApplicationScoped
public class KnownFailures {

    @Inject
    Outages outages;

    @Inject
    ArtifactStoreConfig config;

    /**
     * The answer of a failure we can name, or null when it is a bug. A request's own answer wrapped
     * with the failure of the rollback after it (the database went away meanwhile) is still that answer.
     */
    public ServiceException answer(Throwable failure) {
        Throwable cause = Outages.unwrap(failure);
        if (cause instanceof ServiceException answered) {
            return answered;
        }
        if (cause instanceof DomainFailure f) {
            return answer(f);
        }
        return cause instanceof StoreFailure f ? answer(f) : outages.classify(cause);
    }

    /** The answer to a domain failure: the one table from its kinds to HTTP statuses. */
    public static ServiceException answer(DomainFailure failure) {
        String detail = failure.getMessage();
        return switch (failure.kind()) {
            case INVALID -> failure.field() == null ? ServiceException.badRequest(detail)
                    : ServiceException.invalidField(failure.field(), detail);
            case NOT_FOUND -> ServiceException.notFound(detail);
            case CONFLICT, NOT_UPLOADED, EXPIRED, IN_PROGRESS -> ServiceException.conflict(detail);
            case LENGTH_REQUIRED -> new ServiceException(411, "Length Required", detail);
            case TOO_LARGE -> ServiceException.tooLarge(detail);
            case UNSUPPORTED_TYPE -> ServiceException.unsupportedMediaType(detail);
            case REJECTED_CONTENT -> ServiceException.unprocessable(detail);
            case OVER_QUOTA -> new ServiceException(507, "Insufficient Storage", detail);
            case FORBIDDEN -> new ServiceException(403, "Forbidden", detail);
            case UNAVAILABLE -> ServiceException.unavailable(detail, failure.retryAfterSeconds() == null ? 1 : failure.retryAfterSeconds());
        };
    }

    private ServiceException answer(StoreFailure failure) {
        String detail = failure.getMessage();
        return switch (failure.kind()) {
            case INVALID -> failure.field() == null ? ServiceException.badRequest(detail)
                    : ServiceException.invalidField(failure.field(), detail);
            case WRONG_LENGTH, BAD_CHECKSUM -> ServiceException.badRequest(detail);
            case DENIED -> new ServiceException(403, "Forbidden", detail);
            case NOT_FOUND -> ServiceException.notFound(detail);
            case STALLED -> ServiceException.requestTimeout(detail);
            case ALREADY_EXISTS -> ServiceException.conflict(detail);
            case TOO_LARGE -> ServiceException.tooLarge(detail);
            case BAD_RANGE -> new ServiceException(416, "Range Not Satisfiable", detail);
            case BUSY -> ServiceException.tooManyRequests(detail, retryAfterSeconds(failure));
            case UNAVAILABLE -> ServiceException.unavailable(detail, retryAfterSeconds(failure));
            case NO_SPACE -> ServiceException.insufficientStorage(detail, retryAfterSeconds(failure));
            case REFUSED -> null; // the store turned down a request of ours: our fault, not the client's
            // The provider cannot serve anyone until an operator fixes it; the monitor has logged it once.
            case MISCONFIGURED -> ServiceException.unavailable("A storage provider is unavailable: " + detail, retryAfterSeconds(failure));
        };
    }

    /** The failure's own wait, else the monitor's: by the next probe the store may be back. */
    private long retryAfterSeconds(StoreFailure failure) {
        return failure.retryAfterSeconds() != null ? failure.retryAfterSeconds() : config.health().probeInterval().toSeconds();
    }
}
