package io.artifactstore.core;

import java.util.Locale;
import java.util.Set;

/** Media types as policies and rules compare them. */
public final class MediaTypes {

    /**
     * Types a browser shows without running anything (README, "Serving downloads safely"); every other
     * type (HTML, SVG, XHTML, any XML, PDF, JavaScript, unknown ones) is served as an attachment.
     */
    private static final Set<String> SAFE_INLINE = Set.of(
            "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/apng", "image/bmp",
            "image/heic", "image/heif", "image/tiff", "image/x-icon", "image/vnd.microsoft.icon",
            "text/plain", "text/csv", "text/markdown",
            "application/json", "application/x-ndjson", "application/octet-stream");

    private MediaTypes() {
    }

    /** "Image/PNG; charset=x" -> "image/png": policies and rules speak of media types, not their parameters. */
    public static String base(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether bytes of this type may be shown inline: a safe list, plus every audio and video type (a
     * browser only plays them), except any {@code +xml} one, which browsers parse as a document.
     */
    public static boolean isSafeInline(String contentType) {
        if (contentType == null) {
            return false;
        }
        String base = base(contentType);
        if (base.contains("xml")) {
            return false;
        }
        return SAFE_INLINE.contains(base) || base.startsWith("video/") || base.startsWith("audio/");
    }
}
