package io.artifactstore.core;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/**
 * The one clock of the lifecycle: record timestamps, ticket expiry, reapers, idempotency and
 * grace periods read the time from the injected {@link Clock}, so tests move time forward instead
 * of sleeping (src/test {@code testing.MovableClock} replaces it). Signatures for external stores
 * keep the real time: a store checks them against its own.
 */
public class ServiceClock {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
