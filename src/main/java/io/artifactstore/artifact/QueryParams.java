package io.artifactstore.artifact;

import io.artifactstore.api.ServiceException;

/** Numeric query parameters, with a field-level 400 instead of JAX-RS's bare 404 on a bad number. */
final class QueryParams {

    private QueryParams() {
    }

    static int intInRange(String name, String value, int defaultValue, int min, int max) {
        if (value == null) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ServiceException.invalidField(name, "must be a whole number from " + min + " to " + max);
    }
}
