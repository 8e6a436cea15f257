package io.artifactstore.api;

import io.artifactstore.core.Ids;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

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
}
