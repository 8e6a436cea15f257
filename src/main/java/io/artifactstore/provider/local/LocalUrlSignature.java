package io.artifactstore.provider.local;

import io.artifactstore.core.StorageKey;
import io.artifactstore.security.UrlSigner;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The signed-URL format of the local provider (README "Architecture"). The signature covers the method,
 * provider, key, expiry, size and content type, plus the declared sha256 of an upload and the
 * disposition of a download; a field left out is signed as empty, so nothing can be added later.
 */
final class LocalUrlSignature {

    static final String EXPIRES = "expires";
    static final String SIZE = "size";
    static final String CONTENT_TYPE = "contentType";
    static final String SHA256 = "sha256";
    static final String DISPOSITION = "disposition";
    static final String UPLOAD_ID = "uploadId";
    static final String PART_NUMBER = "partNumber";
    static final String KEY_ID = "kid";
    static final String SIGNATURE = "signature";

    private LocalUrlSignature() {
    }

    /** The fields of one signed request, as issued or as received. Absent optional fields are "". */
    record Fields(String method, String provider, StorageKey key, long expires, String size,
                  String contentType, String sha256, String disposition, String uploadId, String partNumber) {

        Fields(String method, String provider, StorageKey key, long expires, String size,
               String contentType, String sha256, String disposition) {
            this(method, provider, key, expires, size, contentType, sha256, disposition, "", "");
        }

        /** The part of a multipart upload this URL PUTs, or none ({@link #isPart()}). */
        boolean isPart() {
            return !uploadId.isEmpty();
        }

        String canonical() {
            if (!isPart()) { // as before multipart existed, so URLs issued then still verify
                return UrlSigner.canonical(method, provider, key.toString(), Long.toString(expires), size,
                        contentType, sha256, disposition);
            }
            return UrlSigner.canonical(method, provider, key.toString(), Long.toString(expires), size,
                    contentType, sha256, disposition, uploadId, partNumber);
        }

        /**
         * Whether every signed field has the shape the service signs: a size is digits, a sha256 is
         * hex, and the values that become headers are printable ASCII, so none can split a header.
         */
        boolean wellFormed() {
            return SIZE_FORMAT.matcher(size).matches() && SHA256_FORMAT.matcher(sha256).matches()
                    && HEADER_VALUE.matcher(contentType).matches() && HEADER_VALUE.matcher(disposition).matches()
                    && UPLOAD_ID_FORMAT.matcher(uploadId).matches()
                    && (uploadId.isEmpty() ? partNumber.isEmpty() : PART_NUMBER_FORMAT.matcher(partNumber).matches());
        }
    }

    private static final Pattern SIZE_FORMAT = Pattern.compile("|[0-9]{1,19}");
    private static final Pattern SHA256_FORMAT = Pattern.compile("|[0-9a-f]{64}");
    /** A local upload id is a ULID: it names a folder, so nothing else may pass. */
    private static final Pattern UPLOAD_ID_FORMAT = Pattern.compile("|[0-9A-HJKMNP-TV-Z]{26}");
    private static final Pattern PART_NUMBER_FORMAT = Pattern.compile("[1-9][0-9]{0,4}");
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x20-\\x7E]{0,8192}");

    static String url(String baseUrl, Fields fields, UrlSigner signer) {
        if (!fields.wellFormed()) {
            // Refused here too: a value stored before the input rules were strict must not become a URL.
            throw new IllegalArgumentException("A field of a local signed URL has characters it may not hold");
        }
        StringBuilder url = new StringBuilder(baseUrl).append(LocalStorageRoutes.PATH_PREFIX)
                .append(fields.provider()).append('/').append(fields.key())
                .append('?').append(EXPIRES).append('=').append(fields.expires());
        append(url, SIZE, fields.size());
        append(url, CONTENT_TYPE, fields.contentType());
        append(url, SHA256, fields.sha256());
        append(url, DISPOSITION, fields.disposition());
        append(url, UPLOAD_ID, fields.uploadId());
        append(url, PART_NUMBER, fields.partNumber());
        append(url, KEY_ID, signer.currentKeyId());
        append(url, SIGNATURE, signer.sign(fields.canonical()));
        return url.toString();
    }

    private static void append(StringBuilder url, String name, String value) {
        if (!value.isEmpty()) {
            url.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }
}
