package io.artifactstore.artifact;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Content-Disposition values (RFC 6266) with an ASCII fallback and the UTF-8 filename* form. */
final class ContentDisposition {

    private ContentDisposition() {
    }

    static String of(String disposition, String filename) {
        if (filename == null || filename.isEmpty()) {
            return disposition;
        }
        String ascii = filename.replaceAll("[^A-Za-z0-9._ -]", "_");
        String encoded = URLEncoder.encode(filename, StandardCharsets.UTF_8).replace("+", "%20");
        return disposition + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }
}
