package io.artifactstore.core;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The one clock of the lifecycle: record timestamps, ticket and signed URL expiry, reapers,
 * idempotency and grace periods read the time from the injected {@link Clock}, so tests move time
 * forward instead of sleeping (src/test {@code testing.MovableClock} replaces it). A time someone else
 * checks against their own (an external store's signatures, a token's expiry) reads the
 * {@link WallClock}. This is the only class that reads the system's clock (README, "Architecture").
 */
public class ServiceClock {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    @WallClock
    Clock wallClock() {
        return Clock.systemUTC();
    }

    /** The clock's time as records keep it, to the millisecond: a timestamp read back equals the one written. */
    public static Instant now(Clock clock) {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
