package io.timestore.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A test clock that moves one second forward on every read: deterministic, strictly increasing. */
final class TickingClock implements InstantSource {
    private Instant now;

    TickingClock(Instant start) {
        this.now = start;
    }

    @Override
    public Instant instant() {
        Instant current = now;
        now = now.plus(Duration.ofSeconds(1));
        return current;
    }
}
