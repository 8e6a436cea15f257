package io.artifactstore.core;

import java.util.Locale;

/** Media types as policies and rules compare them. */
public final class MediaTypes {

    private MediaTypes() {
    }

    /** "Image/PNG; charset=x" -> "image/png": policies and rules speak of media types, not their parameters. */
    public static String base(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }
}
