package io.artifactstore.api;

import io.artifactstore.core.Ids;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/** Opaque keyset cursors: the id of the last item of a page (an artifact, an audit event), so the next page starts after it. */
public final class Cursor {

    private Cursor() {
    }

    public static String after(String lastId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastId.getBytes(StandardCharsets.UTF_8));
    }

    public static String lastId(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        String id;
        try {
            id = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            id = null;
        }
        if (!Ids.isValid(id)) {
            throw ServiceException.invalidField("cursor", "is not a cursor this service issued; pass nextCursor as it was given");
        }
        return id;
    }

    /** A page of at most {@code limit} items, and the cursor after its last one when more follow (else null). */
    public record Page<T>(List<T> items, String nextCursor) {
    }

    /**
     * The page of {@code found}, which was read with a limit one above {@code limit}: the extra item
     * only says that another page follows.
     */
    public static <T> Page<T> page(List<T> found, int limit, Function<T, String> id) {
        if (found.size() <= limit) {
            return new Page<>(found, null);
        }
        List<T> page = found.subList(0, limit);
        return new Page<>(page, after(id.apply(page.get(limit - 1))));
    }
}
