package io.artifactstore.records;

import java.util.List;

/**
 * What a variant transition decided ({@link VariantTransitions}): the state it started from (null for a
 * new variant), the state it ends in (null when the variant is gone), and the versions it released,
 * whose tombstones {@link Changes#apply} writes with the new state. {@code changed} is false when
 * the variant already was where the call would take it (a retry, or a parallel call that got there
 * first): nothing is written, and the caller answers as if it had made the change.
 */
public record Transition(Variant before, Variant next, List<Released> released, boolean changed) {

    public Transition {
        released = List.copyOf(released);
    }

    static Transition to(Variant before, Variant next, List<Released> released) {
        return new Transition(before, next, released, true);
    }

    static Transition unchanged(Variant current) {
        return new Transition(current, current, List.of(), false);
    }
}
