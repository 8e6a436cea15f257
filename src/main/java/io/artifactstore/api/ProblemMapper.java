package io.artifactstore.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Comparator;
import java.util.List;

/** Turns every failure of the REST API into an RFC 9457 problem+json answer, never leaking internals. */
public class ProblemMapper {

    @Inject
    KnownFailures known;

    @ServerExceptionMapper
    public Response service(ServiceException e, UriInfo uri) {
        Response answer = answer(HttpProblems.toProblem(e, path(uri)));
        return e.retryAfterSeconds() == null ? answer
                : Response.fromResponse(answer).header("Retry-After", e.retryAfterSeconds()).build();
    }

    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e, UriInfo uri) {
        List<ServiceException.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new ServiceException.FieldError(fieldName(v), v.getMessage()))
                .sorted(Comparator.comparing(ServiceException.FieldError::field))
                .toList();
        return answer(new Problem("about:blank", "Bad Request", 400, "Validation failed", path(uri), errors));
    }

    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class})
    public Response malformedJson(JsonProcessingException e, UriInfo uri) {
        return service(JsonProblems.of(e), uri);
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(Exception e, UriInfo uri) {
        return Response.fromResponse(answer(Problem.of(401, "Unauthorized", "A valid bearer token is required", path(uri))))
                .header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return answer(Problem.of(403, "Forbidden", "The token lacks the role this call needs", path(uri)));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        Response.StatusType status = e.getResponse().getStatusInfo();
        if (e.getCause() instanceof JsonProcessingException json) {
            return malformedJson(json, uri); // Quarkus' JSON reader wraps parse errors; name the field all the same
        }
        if (status.getStatusCode() >= 500) {
            return unexpected(e, uri);
        }
        Response answer = answer(Problem.of(status.getStatusCode(), status.getReasonPhrase(), httpDetail(status.getStatusCode()), path(uri)));
        Object allow = e.getResponse().getHeaders().getFirst("Allow");
        return allow == null ? answer : Response.fromResponse(answer).header("Allow", allow).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        ServiceException named = known.answer(e);
        return named != null ? service(named, uri) : answer(HttpProblems.toProblem(e, path(uri)));
    }

    public static Response answer(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    private static String httpDetail(int status) {
        return switch (status) {
            case 400 -> "The request is malformed, for example its body is not valid JSON";
            case 404 -> "No resource at this path";
            case 405 -> "This method is not allowed on this resource";
            case 406 -> "No acceptable representation";
            case 415 -> "Unsupported request content type";
            default -> "The request could not be processed";
        };
    }

    private static String fieldName(ConstraintViolation<?> violation) {
        // "create.request.size" -> "size": the client knows its own fields, not our method names.
        String path = violation.getPropertyPath().toString();
        int lastDot = path.lastIndexOf('.');
        return lastDot < 0 ? path : path.substring(lastDot + 1);
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }
}
