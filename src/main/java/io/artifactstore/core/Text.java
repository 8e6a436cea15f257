package io.artifactstore.core;

/** What text may hold before it is stored, signed, logged or put in a header. */
public final class Text {

    private Text() {
    }

    /** Storable as it is: no NUL and no unpaired surrogate. Line breaks and tabs are fine (a prompt has them). */
    public static boolean isStorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a proper pair
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Safe in a header, a key, a log line or a signed field: storable, and no C0/C1 control character
     * and no Unicode line or paragraph separator.
     */
    public static boolean isSingleLine(String text) {
        if (!isStorable(text)) {
            return false;
        }
        return text.codePoints().noneMatch(c -> Character.getType(c) == Character.CONTROL
                || c == '\u2028' || c == '\u2029');
    }
}
