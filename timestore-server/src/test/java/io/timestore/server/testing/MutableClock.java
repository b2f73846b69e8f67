package io.timestore.server.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * A clock that moves only when told to, so time rules are tested without sleeping. Thread-safe.
 *
 * <p>timestore-security's tests have an identical {@code io.timestore.security.MutableClock} (and
 * timestore-audit's a {@code ManualClock}): test sources are not shared between modules, and a
 * test-jar for one twenty-line class would cost more than the copy. Keep them identical.
 */
public final class MutableClock implements InstantSource {
    private volatile Instant now;

    public MutableClock(Instant start) {
        this.now = start;
    }

    @Override
    public Instant instant() {
        return now;
    }

    public void advance(Duration duration) {
        now = now.plus(duration);
    }
}
