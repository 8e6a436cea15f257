package io.artifactstore.artifact;

import io.artifactstore.api.ServiceException;

import java.util.regex.Pattern;

/**
 * The one rule for every id and variant name that ends up in a storage key (CONTRACT §3). Keys are
 * built only from values that passed it, so a key can never climb out of its tenant's prefix.
 */
public final class Ids {

    /** Also usable in {@code @Pattern}: no "..", then the CONTRACT's character rule. */
    public static final String PATTERN = "(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
    public static final String MESSAGE = "must match [A-Za-z0-9][A-Za-z0-9._-]{0,127} and must not contain '..'";

    private static final Pattern VALID = Pattern.compile(PATTERN);

    private Ids() {
    }

    public static boolean isValid(String value) {
        return value != null && VALID.matcher(value).matches();
    }

    /** Returns {@code value} if valid, else a 400 naming the field. */
    public static String require(String field, String value) {
        if (!isValid(value)) {
            throw ServiceException.invalidField(field, MESSAGE);
        }
        return value;
    }
}
