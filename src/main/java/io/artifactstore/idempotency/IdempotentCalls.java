package io.artifactstore.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.artifactstore.api.HttpProblems;
import io.artifactstore.api.KnownFailures;
import io.artifactstore.api.Problem;
import io.artifactstore.api.ServiceException;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.Checksums;
import io.artifactstore.core.ServiceClock;
import io.artifactstore.idempotency.IdempotencyKeys.StoredAnswer;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The {@code Idempotency-Key} layer of the write endpoints (README, "Idempotent retries:
 * Idempotency-Key"): the first request with a key runs and its answer is kept; the same request again
 * gets that answer again (with {@code Idempotent-Replayed: true}), another request with the key 422,
 * and a request while the first still runs 409 (as Stripe does: no waiting). Keys are per tenant and
 * kept for {@code artifact-store.idempotency.ttl}. {@link IdempotentInterceptor} calls it only for a
 * request that sent the header: without it, no query.
 */
@ApplicationScoped
public class IdempotentCalls {

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";
    static final int MAX_KEY_LENGTH = 255;
    /** Answers are small JSON; a larger one is answered but not kept (the table refuses it too). */
    static final int MAX_STORED_BODY = 256 * 1024;

    private static final Logger LOG = Logger.getLogger(IdempotentCalls.class);

    @Inject
    IdempotencyKeys keys;

    @Inject
    KnownFailures known;

    @Inject
    ObjectMapper json;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Clock clock;

    private ObjectWriter canonical;

    @PostConstruct
    void canonicalWriter() {
        canonical = json.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    }

    /**
     * Runs {@code call} under {@code key}, the header's value as sent ({@link IdempotentInterceptor}). The
     * request is told apart by {@code fingerprint} ({@link #fingerprint}); {@code instance} is the path a
     * kept problem names.
     */
    public Uni<Response> run(String tenantId, String key, Supplier<String> fingerprint, String instance,
                             Supplier<Uni<Response>> call) {
        requireValid(key);
        return attempt(tenantId, key, fingerprint.get(), instance, call, true);
    }

    /** The canonical JSON of a parsed body: map entries sorted, so equal bodies give equal bytes. */
    byte[] canonicalJson(Object body) {
        try {
            return canonical.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A parsed body cannot be written back", e);
        }
    }

    private Uni<Response> attempt(String tenantId, String key, String fingerprint, String instance,
                                  Supplier<Uni<Response>> call, boolean mayRetry) {
        Instant now = ServiceClock.now(clock);
        String lockToken = UUID.randomUUID().toString();
        var settings = config.idempotency();
        return keys.claim(tenantId, key, fingerprint, lockToken, now, now.plus(settings.inProgressTimeout()), now.plus(settings.ttl()))
                .chain(owned -> owned ? execute(tenantId, key, lockToken, instance, call)
                        : keys.find(tenantId, key, now).chain(stored -> {
                            if (stored == null) {
                                // Purged or released between the two statements: claim once more.
                                return mayRetry ? attempt(tenantId, key, fingerprint, instance, call, false) : inProgress();
                            }
                            if (!stored.fingerprint().equals(fingerprint)) {
                                return Uni.createFrom().failure(ServiceException.unprocessable(
                                        "This Idempotency-Key was used with another request"));
                            }
                            return stored.inProgress() ? inProgress() : Uni.createFrom().item(answer(stored.answer(), true));
                        }));
    }

    private Uni<Response> execute(String tenantId, String key, String lockToken, String instance, Supplier<Uni<Response>> call) {
        return Uni.createFrom().deferred(call::get).onItemOrFailure().transformToUni((response, failure) -> {
            StoredAnswer kept = failure == null ? keptAnswer(response) : keptProblem(failure, instance);
            Uni<Response> original = failure == null ? Uni.createFrom().item(response) : Uni.createFrom().failure(failure);
            if (kept == null) {
                return keys.release(tenantId, key, lockToken).onFailure().invoke(IdempotentCalls::logStoreFailure)
                        .onFailure().recoverWithNull().chain(() -> original);
            }
            // The call's effect is done: the answer goes out even when it cannot be kept (the key then
            // stays locked until in-progress-timeout).
            return keys.finish(tenantId, key, lockToken, kept).onFailure().invoke(IdempotentCalls::logStoreFailure)
                    .onFailure().recoverWithNull()
                    .chain(() -> failure == null ? Uni.createFrom().item(answer(kept, false)) : original);
        });
    }

    /** A success's answer as it is kept, or null when it is not kept (a 5xx, or too large). */
    private StoredAnswer keptAnswer(Response response) {
        if (!isFinal(response.getStatus())) {
            return null;
        }
        String body;
        try {
            body = json.writeValueAsString(response.getEntity());
        } catch (JsonProcessingException e) {
            return null;
        }
        if (body.getBytes(StandardCharsets.UTF_8).length > MAX_STORED_BODY) {
            return null;
        }
        MediaType type = response.getMediaType();
        URI location = response.getLocation();
        return new StoredAnswer(response.getStatus(), type == null ? MediaType.APPLICATION_JSON : type.toString(),
                location == null ? null : location.toString(), body);
    }

    /** A failure's problem answer as it is kept, or null when a retry must run again. */
    private StoredAnswer keptProblem(Throwable failure, String instance) {
        ServiceException named = failure instanceof ServiceException e ? e : known.answer(failure);
        if (named == null || !isFinal(named.status())) {
            return null;
        }
        try {
            return new StoredAnswer(named.status(), Problem.MEDIA_TYPE, null,
                    json.writeValueAsString(HttpProblems.toProblem(named, instance)));
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * Whether an answer is the request's final word and so replayed: yes for 2xx and most 4xx; no for
     * 5xx, 408, 429 (try again later) and 409 (a state the client can change, e.g. complete before the
     * upload), after which a retry with the same key runs again.
     */
    static boolean isFinal(int status) {
        return status < 500 && status != 408 && status != 409 && status != 429;
    }

    private static Response answer(StoredAnswer stored, boolean replayed) {
        Response.ResponseBuilder answer = Response.status(stored.status()).type(stored.contentType()).entity(stored.body());
        if (stored.location() != null) {
            answer.location(URI.create(stored.location()));
        }
        return replayed ? answer.header(REPLAYED, "true").build() : answer.build();
    }

    private static Uni<Response> inProgress() {
        return Uni.createFrom().failure(ServiceException.conflict("A request with this Idempotency-Key is in progress"));
    }

    /** 1 to 255 printable ASCII characters: a key is echoed nowhere, but it is stored and compared. */
    static void requireValid(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
            throw ServiceException.invalidField(HEADER, "must be 1 to 255 printable ASCII characters");
        }
    }

    /** The sha256 of method, path with query, and body: what tells one request from another under a key. */
    public static String fingerprint(String method, String pathAndQuery, byte[] body) {
        MessageDigest sha256 = Checksums.sha256();
        sha256.update((method + " " + pathAndQuery + "\n").getBytes(StandardCharsets.UTF_8));
        sha256.update(body);
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static void logStoreFailure(Throwable failure) {
        LOG.warnf("An idempotency key could not be updated: %s", failure.getClass().getName());
    }
}
