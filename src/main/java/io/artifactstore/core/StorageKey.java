package io.artifactstore.core;

/**
 * Where a variant's bytes live inside its provider: {@code {tenant}/{type}/{board or _}/{artifact}/{variant}},
 * then, for every upload ticket, a version segment of its own. A ticket can only ever write its own
 * version, so no URL handed out earlier can change the bytes a record points to. Every part is
 * checked by {@link Ids}, so the key is safe as a path or object name by construction.
 */
public record StorageKey(String tenantId, ArtifactType type, String boardId, String artifactId, String variant,
                         String version) {

    static final String NO_BOARD = "_";

    public StorageKey {
        Ids.require("tenantId", tenantId);
        Ids.require("artifactId", artifactId);
        Ids.require("variant", variant);
        if (boardId != null) {
            Ids.require("boardId", boardId);
        }
        if (version != null) {
            Ids.require("version", version);
        }
        if (type == null) {
            throw new IllegalArgumentException("type is required");
        }
    }

    /** The variant's key without a version: the name clients see (README "API reference"). */
    public StorageKey(String tenantId, ArtifactType type, String boardId, String artifactId, String variant) {
        this(tenantId, type, boardId, artifactId, variant, null);
    }

    /** This variant's key for one upload ticket. */
    public StorageKey withVersion(String newVersion) {
        return new StorageKey(tenantId, type, boardId, artifactId, variant, newVersion);
    }

    /** The key clients see: the variant's, without the version of the upload that wrote it. */
    public String variantKey() {
        return tenantId + '/' + type.wireName() + '/' + (boardId == null ? NO_BOARD : boardId) + '/' + artifactId + '/' + variant;
    }

    /** The key of a path such as {@code acme/image/_/01J.../original/01K...}; {@link StoreFailure.Kind#INVALID} for anything else. */
    public static StorageKey parse(String path) {
        String[] parts = path.split("/", -1);
        if (parts.length != 5 && parts.length != 6) {
            throw StoreFailure.of(StoreFailure.Kind.INVALID, "A storage key has five or six segments");
        }
        ArtifactType type = ArtifactType.fromWireName(parts[1])
                .orElseThrow(() -> StoreFailure.of(StoreFailure.Kind.INVALID, "Unknown artifact type in key"));
        return new StorageKey(parts[0], type, NO_BOARD.equals(parts[2]) ? null : parts[2], parts[3], parts[4],
                parts.length == 6 ? parts[5] : null);
    }

    @Override
    public String toString() {
        return version == null ? variantKey() : variantKey() + '/' + version;
    }
}
