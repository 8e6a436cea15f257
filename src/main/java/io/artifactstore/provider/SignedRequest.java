package io.artifactstore.provider;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Map;

/** A request the client makes itself, straight to storage: exactly this method, URL and headers. */
public record SignedRequest(String method, String url,
                            @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> headers,
                            Instant expiresAt) {
}
