package io.artifactstore.provider.local;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many of something each key holds (a tenant's uploads, a URL's downloads), never more than a
 * bound per key; a key leaves the map when its count is back at zero, so the map holds only what is
 * in use.
 */
final class BoundedCounts {

    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private final int max;

    BoundedCounts(int max) {
        this.max = max;
    }

    /** Counts one more for {@code key}, unless it holds {@code max} already. */
    boolean tryTake(String key) {
        boolean[] taken = {false};
        counts.compute(key, (k, used) -> {
            int n = used == null ? 0 : used;
            if (n >= max) {
                return used;
            }
            taken[0] = true;
            return n + 1;
        });
        return taken[0];
    }

    /** Gives back one that {@link #tryTake} counted. */
    void release(String key) {
        counts.computeIfPresent(key, (k, used) -> used <= 1 ? null : used - 1);
    }
}
