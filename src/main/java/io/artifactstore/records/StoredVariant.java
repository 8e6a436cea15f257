package io.artifactstore.records;

import io.artifactstore.core.StorageKey;
import io.vertx.mutiny.sqlclient.Row;

/** A variant as a download sees it: where its bytes are, what they are, what the artifact's file is called. */
public record StoredVariant(Status status, String provider, StorageKey key, String contentType, String filename) {

    static StoredVariant of(Row row) {
        return new StoredVariant(Status.valueOf(row.getString("status")), row.getString("provider"),
                StorageKey.parse(row.getString("storage_key")), row.getString("content_type"), row.getString("filename"));
    }
}
