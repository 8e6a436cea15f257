package io.artifactstore.artifact;

/**
 * Where a variant lives inside its provider: {@code {tenant}/{type}/{board or _}/{artifact}/{variant}}.
 * Every part is checked by {@link Ids}, so the key is safe as a path or object name by construction.
 */
public record StorageKey(String tenantId, ArtifactType type, String boardId, String artifactId, String variant) {

    static final String NO_BOARD = "_";

    public StorageKey {
        Ids.require("tenantId", tenantId);
        Ids.require("artifactId", artifactId);
        Ids.require("variant", variant);
        if (boardId != null) {
            Ids.require("boardId", boardId);
        }
        if (type == null) {
            throw new IllegalArgumentException("type is required");
        }
    }

    /** The key of a path such as {@code acme/image/_/01J.../original}; 400 for anything else. */
    public static StorageKey parse(String path) {
        String[] parts = path.split("/", -1);
        if (parts.length != 5) {
            throw io.artifactstore.api.ServiceException.badRequest("A storage key has exactly five segments");
        }
        ArtifactType type = ArtifactType.fromWireName(parts[1])
                .orElseThrow(() -> io.artifactstore.api.ServiceException.badRequest("Unknown artifact type in key"));
        return new StorageKey(parts[0], type, NO_BOARD.equals(parts[2]) ? null : parts[2], parts[3], parts[4]);
    }

    @Override
    public String toString() {
        return tenantId + '/' + type.wireName() + '/' + (boardId == null ? NO_BOARD : boardId) + '/' + artifactId + '/' + variant;
    }
}
