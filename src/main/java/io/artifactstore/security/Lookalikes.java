package io.artifactstore.security;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;

/**
 * A skeleton of text for telling whether it only looks like a word (after Unicode TR39's confusable
 * skeletons, for the letters that matter here): compatibility forms folded (NFKD: fullwidth, math
 * alphabets, ligatures), marks and invisible characters dropped, case folded, and look-alike letters
 * of other scripts mapped to the Latin letter they imitate.
 */
final class Lookalikes {

    /** Cyrillic, Greek, small capitals and symbols that pass for the letters of "system:" and a colon. */
    private static final Map<Integer, Character> LATIN = Map.ofEntries(
            Map.entry(0x0455, 's'), Map.entry(0xA731, 's'), Map.entry(0x01BD, 's'), Map.entry(0x0282, 's'),
            Map.entry(0x0443, 'y'), Map.entry(0x04AF, 'y'), Map.entry(0x04B1, 'y'), Map.entry(0x028F, 'y'),
            Map.entry(0x03B3, 'y'), Map.entry(0x0263, 'y'), Map.entry(0x1EFF, 'y'), Map.entry(0x10E7, 'y'),
            Map.entry(0x0442, 't'), Map.entry(0x03C4, 't'), Map.entry(0x1D1B, 't'), Map.entry(0x01AB, 't'),
            Map.entry(0x0435, 'e'), Map.entry(0x04BD, 'e'), Map.entry(0x212E, 'e'), Map.entry(0x1D07, 'e'),
            Map.entry(0x0454, 'e'), Map.entry(0x03B5, 'e'), Map.entry(0x025B, 'e'), Map.entry(0xAB32, 'e'),
            Map.entry(0x039C, 'm'), Map.entry(0x03A5, 'y'), Map.entry(0x043C, 'm'), Map.entry(0x1D0D, 'm'), Map.entry(0x028D, 'm'), Map.entry(0x217F, 'm'),
            Map.entry(0x02D0, ':'), Map.entry(0x02F8, ':'), Map.entry(0x2236, ':'), Map.entry(0xA789, ':'),
            Map.entry(0x05C3, ':'), Map.entry(0x0703, ':'), Map.entry(0x0704, ':'), Map.entry(0x16EC, ':'),
            Map.entry(0x0589, ':'), Map.entry(0x1361, ':'), Map.entry(0x205A, ':'), Map.entry(0x2E2C, ':'),
            Map.entry(0xFE30, ':'), Map.entry(0x0903, ':'), Map.entry(0x0A83, ':'), Map.entry(0x003B, ':'));

    private Lookalikes() {
    }

    private static boolean plainAscii(String text, int length) {
        for (int i = 0; i < Math.min(length, text.length()); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /** The skeleton of the first {@code length} code points of {@code text}, leading spaces left out. */
    static String skeleton(String text, int length) {
        String rest = text.stripLeading();
        if (plainAscii(rest, 4 * length)) { // the usual subject: only case to fold, nothing to normalise
            return rest.substring(0, Math.min(length, rest.length())).toLowerCase(Locale.ROOT).replace(';', ':');
        }
        String folded = Normalizer.normalize(rest.codePoints().limit(4L * length)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append), Normalizer.Form.NFKD);
        StringBuilder skeleton = new StringBuilder(length);
        folded.codePoints().forEach(c -> {
            int type = Character.getType(c);
            boolean invisible = type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                    || type == Character.COMBINING_SPACING_MARK || type == Character.FORMAT || type == Character.CONTROL;
            boolean leadingSpace = skeleton.length() == 0 && Character.isWhitespace(c);
            if (!invisible && !leadingSpace && skeleton.length() < length) {
                int lower = Character.toLowerCase(c);
                Character latin = LATIN.containsKey(c) ? LATIN.get(c) : LATIN.get(lower);
                skeleton.appendCodePoint(latin != null ? latin : lower);
            }
        });
        return skeleton.toString();
    }
}
