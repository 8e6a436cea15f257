package io.artifactstore.provider;

/** The key holds no object. */
public class ObjectNotFoundException extends RuntimeException {
    public ObjectNotFoundException(String key) {
        super("No object at " + key, null, false, false);
    }
}
