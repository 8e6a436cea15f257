package io.artifactstore.artifact;

import io.artifactstore.core.Ids;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.util.Map;

/** The body of {@code POST /api/v1/artifacts} (README "API reference"). */
public record UploadRequest(
        @NotBlank String type,
        @Pattern(regexp = Ids.PATTERN, message = Ids.MESSAGE) String boardId,
        @NotBlank @Size(max = 255) @Pattern(regexp = MEDIA_TYPE, message = "must be a media type such as image/png")
        String contentType,
        @NotNull @PositiveOrZero Long size,
        @Pattern(regexp = "[0-9a-fA-F]{64}", message = "must be 64 hexadecimal characters") String sha256,
        @Size(max = 255) @Pattern(regexp = FILENAME, message = "must not contain control characters, line separators, unpaired surrogates or slashes")
        String filename,
        @CleanMetadata Map<String, Object> metadata,
        @Pattern(regexp = Ids.PATTERN, message = Ids.MESSAGE) String variant,
        @Pattern(regexp = Ids.PATTERN, message = Ids.MESSAGE) String artifactId,
        Boolean multipart,
        Boolean replace) {

    /** A request without the multipart flag (a single-PUT ticket). */
    public UploadRequest(String type, String boardId, String contentType, Long size, String sha256, String filename,
                         Map<String, Object> metadata, String variant, String artifactId) {
        this(type, boardId, contentType, size, sha256, filename, metadata, variant, artifactId, null, null);
    }

    /** A request that replaces no verified bytes. */
    public UploadRequest(String type, String boardId, String contentType, Long size, String sha256, String filename,
                         Map<String, Object> metadata, String variant, String artifactId, Boolean multipart) {
        this(type, boardId, contentType, size, sha256, filename, metadata, variant, artifactId, multipart, null);
    }

    /**
     * type/subtype with optional simple parameters; nothing that could split a header or a signature:
     * only spaces around ";" (a regex \s would admit CR and LF).
     */
    static final String MEDIA_TYPE =
            "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*( *; *[A-Za-z0-9_.+-]+=[A-Za-z0-9_.+-]+)*";

    /** Any text but C0/C1 controls, unpaired surrogates, line/paragraph separators and path separators. */
    static final String FILENAME = "[^\\p{Cc}\\p{Cs}\\p{Zl}\\p{Zp}/\\\\]+";

    public static final String DEFAULT_VARIANT = "original";

    /** Whether the client uploads in parts (multipart endpoints) instead of one signed PUT. */
    public boolean wantsMultipart() {
        return Boolean.TRUE.equals(multipart);
    }

    /** Whether the ticket may replace the verified bytes of an AVAILABLE variant (kept until the new ones are verified). */
    public boolean wantsReplace() {
        return Boolean.TRUE.equals(replace);
    }

    public String variantOrDefault() {
        return variant == null ? DEFAULT_VARIANT : variant;
    }

    public String sha256Lowercase() {
        return sha256 == null ? null : sha256.toLowerCase(java.util.Locale.ROOT);
    }
}
