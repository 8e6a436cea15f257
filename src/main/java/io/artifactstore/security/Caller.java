package io.artifactstore.security;

/**
 * Who makes a change: the tenant it is made in and the subject that asked (a token's {@code sub}, or
 * {@code system:<job>} for the service's own housekeeping), as the audit trail records them.
 */
public record Caller(String tenantId, String subject) {

    /** The longest subject kept; a longer one is cut (an issuer may put anything in {@code sub}). */
    public static final int MAX_SUBJECT = 255;
    private static final String SYSTEM = "system:";

    public Caller {
        subject = storable(subject);
    }

    /** The service itself, acting in {@code tenantId} for the housekeeping job {@code job}. */
    public static Caller system(String tenantId, String job) {
        return new Caller(tenantId, SYSTEM + job);
    }

    /**
     * A token's caller: a subject that poses as the service ({@code system:...}, also in look-alike
     * letters: Cyrillic, Greek, fullwidth, small capitals, another case) is marked as a token's.
     */
    public static Caller ofToken(String tenantId, String subject) {
        return new Caller(tenantId, posesAsService(subject) ? "token:" + subject : subject);
    }

    static boolean posesAsService(String subject) {
        return subject != null && (subject.startsWith(SYSTEM) || Lookalikes.skeleton(subject, SYSTEM.length()).equals(SYSTEM));
    }

    /**
     * Control and invisible formatting characters (a right-to-left override would reorder what an
     * admin reads) become '?', and the length is bounded: a subject is shown and stored, never interpreted.
     */
    private static String storable(String subject) {
        if (subject == null || subject.isBlank()) {
            return "unknown";
        }
        StringBuilder kept = new StringBuilder(Math.min(subject.length(), MAX_SUBJECT));
        subject.codePoints().limit(MAX_SUBJECT).forEach(c -> kept.appendCodePoint(
                Character.getType(c) == Character.CONTROL || Character.getType(c) == Character.FORMAT
                        || Character.getType(c) == Character.SURROGATE || c == '\u2028' || c == '\u2029' ? '?' : c));
        // VARCHAR(255) counts characters; a code point above U+FFFF is one character to PostgreSQL too.
        return kept.toString();
    }
}
