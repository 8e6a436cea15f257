package io.artifactstore.core;

/**
 * The one rule for every id and variant name that ends up in a storage key (README "API reference"). Keys are
 * built only from values that passed it, so a key can never climb out of its tenant's prefix.
 */
public final class Ids {

    /** Also usable in {@code @Pattern}: no "..", then the character rule of the README's API reference. */
    public static final String PATTERN = "(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
    public static final String MESSAGE = "must match [A-Za-z0-9][A-Za-z0-9._-]{0,127} and must not contain '..'";

    static final int MAX_LENGTH = 128;

    private Ids() {
    }

    /** {@link #PATTERN}, by hand: every ticket checks a dozen ids, and a regex with a look-ahead costs ten times more. */
    public static boolean isValid(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH || !isAlphanumeric(value.charAt(0))) {
            return false;
        }
        for (int i = 1; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = isAlphanumeric(c) || c == '_' || c == '-' || (c == '.' && value.charAt(i - 1) != '.');
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** Returns {@code value} if valid, else an {@link StoreFailure.Kind#INVALID} failure naming the field. */
    public static String require(String field, String value) {
        if (!isValid(value)) {
            throw StoreFailure.invalidField(field, MESSAGE);
        }
        return value;
    }
}
