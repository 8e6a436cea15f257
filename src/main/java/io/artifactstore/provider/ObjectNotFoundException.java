package io.artifactstore.provider;

import io.artifactstore.core.StoreFailure;

/** The key holds no object: the {@link StoreFailure.Kind#NOT_FOUND} failure of a read or a copy. */
public class ObjectNotFoundException extends StoreFailure {
    public ObjectNotFoundException(String key) {
        super(Kind.NOT_FOUND, "No object at " + key, null, null, null);
    }
}
