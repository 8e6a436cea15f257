package io.artifactstore.core;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Housekeeping in bounded batches: one call never runs long, what is left goes on the next. */
public final class Batches {

    private Batches() {
    }

    /**
     * Runs {@code batch} (which answers how many items it handled, at most {@code size}) again while
     * it comes back full, at most {@code maxBatches} times; answers the sum.
     */
    public static Uni<Integer> untilShort(Supplier<Uni<Integer>> batch, int size, int maxBatches) {
        AtomicInteger runs = new AtomicInteger();
        return Multi.createBy().repeating().<Integer>uni(batch::get)
                .whilst(handled -> handled == size && runs.incrementAndGet() < maxBatches)
                .collect().with(Collectors.summingInt(Integer::intValue));
    }
}
