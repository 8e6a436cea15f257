package io.artifactstore.provider;

import io.smallrye.mutiny.Uni;

import java.time.Instant;

/**
 * Optional ability of a provider with a staging area of its own (the local provider's {@code .incoming}):
 * removes what crashed uploads left there, last written before {@code olderThan}. Answers how many
 * files or part folders went.
 */
public interface IncomingSweep {

    Uni<Integer> sweepIncoming(Instant olderThan);
}
