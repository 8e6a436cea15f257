package io.artifactstore.provider.local;

import io.artifactstore.core.MediaTypes;
import io.vertx.core.http.HttpServerResponse;

/**
 * What keeps a served object from running in the service's own origin (README, "Serving downloads
 * safely"): no type sniffing, a sandboxing CSP, and an attachment for every type a browser would
 * run, even under a URL signed for inline before that rule existed.
 */
final class DownloadHeaders {

    /** raw.githubusercontent.com's policy: nothing loads, no script runs, the document gets an opaque origin. */
    static final String SANDBOX = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

    private DownloadHeaders() {
    }

    static void put(HttpServerResponse response, String contentType, String signedDisposition) {
        response.putHeader("X-Content-Type-Options", "nosniff").putHeader("Content-Security-Policy", SANDBOX);
        String disposition = MediaTypes.isSafeInline(contentType) ? signedDisposition : attachment(signedDisposition);
        if (!disposition.isEmpty()) {
            response.putHeader("Content-Disposition", disposition);
        }
    }

    /** The signed disposition as an attachment, keeping its filename. */
    static String attachment(String signed) {
        if (signed.isEmpty()) {
            return "attachment";
        }
        return signed.regionMatches(true, 0, "inline", 0, 6) ? "attachment" + signed.substring(6) : signed;
    }
}
