package io.artifactstore.provider.local;

import io.artifactstore.core.StoreFailure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admission of signed GETs: a bound per URL, one over all URLs, and slots that come back exactly once. */
class DownloadSlotsTest {

    private final DownloadSlots slots = new DownloadSlots(5, 2, new SimpleMeterRegistry());

    @Test
    void oneUrlGetsItsShareAndNoMore() {
        DownloadSlots.Slot first = slots.acquire("a");
        slots.acquire("a");
        assertThatThrownBy(() -> slots.acquire("a")).isInstanceOfSatisfying(StoreFailure.class, refused -> {
            assertThat(refused.kind()).isEqualTo(StoreFailure.Kind.UNAVAILABLE);
            assertThat(refused.retryAfterSeconds()).isPositive();
        });
        slots.acquire("b"); // another URL is not held up by it
        first.release();
        first.release(); // twice is once
        slots.acquire("a");
        assertThatThrownBy(() -> slots.acquire("a")).isInstanceOf(StoreFailure.class);
        assertThat(slots.inUse()).isEqualTo(3);
    }

    @Test
    void allUrlsTogetherStayUnderTheBound() {
        List<DownloadSlots.Slot> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            held.add(slots.acquire("url-" + i));
        }
        assertThatThrownBy(() -> slots.acquire("url-5")).isInstanceOf(StoreFailure.class);
        assertThat(slots.inUse()).isEqualTo(5);
        held.forEach(DownloadSlots.Slot::release);
        assertThat(slots.inUse()).isZero();
        for (int i = 0; i < 5; i++) {
            slots.acquire("url-" + i); // a refusal took nothing, each release gave its slot back
        }
    }
}
