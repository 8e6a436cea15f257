package io.artifactstore.artifact;

import java.util.List;
import java.util.Map;

/**
 * The size bounds of clean metadata (README "API reference"): keys per object, key length, and the
 * size of its JSON text (UTF-8, no spaces), measured on the way without writing it and given up as
 * soon as it is over. One long prompt may use the whole budget; twenty thousand keys may not.
 */
final class MetadataBounds {

    /** Entries of one object, at any level; the total size bounds arrays and everything else. */
    static final int MAX_KEYS = 64;
    static final int MAX_KEY_LENGTH = 128;

    private final long maxSize;
    private long size;

    private MetadataBounds(long maxSize) {
        this.maxSize = maxSize;
    }

    /** Why the metadata is over a bound; null when it is within them. */
    static String violation(Map<String, Object> metadata, long maxSize) {
        return new MetadataBounds(maxSize).measure(metadata);
    }

    private String measure(Object value) {
        if (value instanceof Map<?, ?> map) {
            if (map.size() > MAX_KEYS) {
                return "may have at most " + MAX_KEYS + " keys in one object; one has " + map.size();
            }
            size += 2 + Math.max(0, map.size() - 1); // braces and commas
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String key = (String) entry.getKey();
                if (key.length() > MAX_KEY_LENGTH) {
                    return "keys may have at most " + MAX_KEY_LENGTH + " characters; one has " + key.length();
                }
                size += text(key) + 1; // and its colon
                String why = size > maxSize ? tooLarge() : measure(entry.getValue());
                if (why != null) {
                    return why;
                }
            }
        } else if (value instanceof List<?> list) {
            size += 2 + Math.max(0, list.size() - 1);
            for (Object item : list) {
                String why = size > maxSize ? tooLarge() : measure(item);
                if (why != null) {
                    return why;
                }
            }
        } else {
            size += value instanceof String s ? text(s) : String.valueOf(value).length();
        }
        return size > maxSize ? tooLarge() : null;
    }

    private String tooLarge() {
        return "may take at most " + maxSize + " bytes as JSON text";
    }

    /** A JSON string's length in UTF-8: quotes, escapes and multi-byte characters counted. */
    private static long text(String s) {
        long n = 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                n += 2;
            } else if (c < 0x20) {
                n += c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f' ? 2 : 6;
            } else if (c < 0x80) {
                n += 1;
            } else if (c < 0x800 || Character.isSurrogate(c)) {
                n += 2; // each half of a surrogate pair: 4 bytes for the pair
            } else {
                n += 3;
            }
        }
        return n;
    }
}
