package io.artifactstore.artifact;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.StorageKey;
import io.artifactstore.provider.StorageProvider;
import io.smallrye.mutiny.Uni;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MediaTypeRegistry;
import org.apache.tika.mime.MimeTypes;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks that an image, video or audio object starts like its declared content type, by the magic
 * bytes of its first {@link #HEAD_BYTES} (Apache Tika's MIME database, no parsers). The declared
 * type passes when Tika detects the same type (aliases resolved), a subtype of it, or a parent of
 * it; or when both are of one container family, whose members Tika cannot tell apart by the first
 * bytes alone (ISO media: mp4/quicktime/m4a/3gp; Matroska: webm/mkv; Ogg). Other types are not checked.
 */
@ApplicationScoped
public class ContentCheck {

    /** Enough for every magic Tika knows for media types; one ranged read. */
    static final int HEAD_BYTES = 8192;

    private static final List<String> CHECKED = List.of("image/", "video/", "audio/");
    private static final List<Set<String>> FAMILIES = List.of(
            Set.of("video/mp4", "video/quicktime", "audio/mp4", "video/x-m4v", "audio/x-m4a", "video/3gpp", "video/3gpp2",
                    "audio/3gpp", "audio/3gpp2", "image/heic", "image/heif", "image/avif"),
            Set.of("video/webm", "audio/webm", "video/x-matroska", "audio/x-matroska"),
            Set.of("application/ogg", "audio/ogg", "video/ogg", "audio/vorbis", "audio/opus", "audio/speex", "audio/x-oggflac",
                    "video/theora", "audio/x-oggpcm"));
    private static final MimeTypes TYPES = MimeTypes.getDefaultMimeTypes();

    @Inject
    ArtifactStoreConfig config;

    /** Loads Tika's MIME database (an XML parse) at start-up, not on the event loop of the first complete. */
    void loadTypes(@Observes StartupEvent started) {
        TYPES.getMediaTypeRegistry();
    }

    /**
     * Whether objects of this declared type are checked at all: image, video and audio types, by the
     * declared type rather than the artifact's (a video's thumbnail is an image, its subtitles text).
     */
    boolean applies(String declared) {
        return config.contentChecks().enabled() && declared != null && CHECKED.stream().anyMatch(declared.toLowerCase(Locale.ROOT)::startsWith);
    }

    /** The reason the stored object does not look like {@code declared}, or null when it does (or is not checked). */
    Uni<String> mismatch(StorageProvider provider, StorageKey key, String declared, long size) {
        if (!applies(declared)) {
            return Uni.createFrom().nullItem();
        }
        return provider.read(key, 0, (int) Math.min(HEAD_BYTES, size))
                // Magic matching over at most 8 KiB is bounded CPU work (well under a millisecond): done in
                // place, since hopping to a worker would lose the Vert.x context the transaction after needs.
                .map(head -> mismatch(declared, head));
    }

    /** The reason {@code head} does not start like {@code declared}, or null when it does. */
    static String mismatch(String declared, byte[] head) {
        MediaType detected = detect(head);
        return matches(declared, detected) ? null
                : "The stored object's bytes look like " + detected.getBaseType() + ", not the declared " + declared;
    }

    static MediaType detect(byte[] head) {
        try {
            return TYPES.detect(new ByteArrayInputStream(head), new Metadata());
        } catch (IOException e) {
            return MediaType.OCTET_STREAM; // cannot happen on a byte array
        }
    }

    static boolean matches(String declaredType, MediaType detectedType) {
        MediaType parsed = declaredType == null ? null : MediaType.parse(declaredType);
        if (parsed == null) {
            return false;
        }
        MediaTypeRegistry registry = TYPES.getMediaTypeRegistry();
        MediaType declared = registry.normalize(parsed.getBaseType());
        MediaType detected = registry.normalize(detectedType.getBaseType());
        if (MediaType.OCTET_STREAM.equals(detected) || MediaType.TEXT_PLAIN.equals(detected)) {
            return false; // nothing recognisable: a media type always has its magic
        }
        if (declared.equals(detected) || registry.isSpecializationOf(detected, declared)
                || registry.isSpecializationOf(declared, detected)) {
            return true;
        }
        return FAMILIES.stream().anyMatch(family -> family.contains(declared.toString()) && family.contains(detected.toString()));
    }
}
