package io.artifactstore.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.jwt.auth.principal.ParseException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The claims the service reads must have their JSON type (README, "API reference"): {@code sub} and
 * the tenant claim a string, {@code groups} an array of strings (or one string). A token whose claims
 * have another type is a bad token, refused with 401 like a bad signature, never read half-way.
 */
final class ClaimTypes {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClaimTypes() {
    }

    /** Checks the payload of a token (before its signature: the parser must never see a claim of the wrong type). */
    static void check(String rawToken, String tenantClaim) throws ParseException {
        JsonNode claims = payload(rawToken);
        require(claims, "sub", node -> node.isTextual());
        require(claims, tenantClaim, node -> node.isTextual());
        require(claims, "groups", node -> node.isTextual() || node.isArray() && allText(node));
    }

    private interface Shape {
        boolean fits(JsonNode node);
    }

    private static void require(JsonNode claims, String name, Shape shape) throws ParseException {
        JsonNode node = claims.get(name);
        if (node != null && !shape.fits(node)) {
            throw new ParseException("Claim " + name + " has the wrong JSON type");
        }
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode element : array) {
            if (!element.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode payload(String rawToken) throws ParseException {
        String[] parts = rawToken == null ? new String[0] : rawToken.split("\\.", -1);
        try {
            JsonNode claims = parts.length == 3 ? JSON.readTree(Base64.getUrlDecoder().decode(parts[1])) : null;
            if (claims == null || !claims.isObject()) {
                throw new ParseException("The token's payload is not a JSON object");
            }
            return claims;
        } catch (IOException | IllegalArgumentException e) {
            throw new ParseException("The token's payload is not JSON");
        }
    }
}
