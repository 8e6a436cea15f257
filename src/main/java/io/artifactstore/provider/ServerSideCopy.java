package io.artifactstore.provider;

import io.artifactstore.core.StorageKey;
import io.smallrye.mutiny.Uni;

/** Optional ability: copy an object inside the backend, without its bytes passing through the service. */
public interface ServerSideCopy {

    Uni<Void> copy(StorageKey from, StorageKey to);
}
