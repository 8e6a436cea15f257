package io.artifactstore.api;


/** Numeric query parameters, with a field-level 400 instead of JAX-RS's bare 404 on a bad number. */
public final class QueryParams {

    private QueryParams() {
    }

    public static int intInRange(String name, String value, int defaultValue, int min, int max) {
        if (value == null) {
            return defaultValue;
        }
        // Digits only: no sign, no spaces or control characters trimmed away, no 1e3 or 1.5.
        if (value.length() <= 10 && !value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return (int) parsed;
            }
        }
        throw ServiceException.invalidField(name, "must be a whole number from " + min + " to " + max);
    }
}
