package io.artifactstore.artifact;

import io.artifactstore.api.ServiceException;
import io.artifactstore.core.Ids;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Opaque keyset cursors: the id of the last artifact of a page, so the next page starts after it. */
final class Cursor {

    private Cursor() {
    }

    static String after(String lastId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(lastId.getBytes(StandardCharsets.UTF_8));
    }

    static String lastId(String cursor) {
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
