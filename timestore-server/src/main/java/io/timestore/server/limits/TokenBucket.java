package io.timestore.server.limits;

import io.timestore.server.config.LimitSettings.Rate;
import java.time.Duration;
import java.util.Optional;

/**
 * A token bucket: holds up to the rate's capacity (its burst), refills at its rate per second,
 * starts full. A take of {@code cost} tokens succeeds when the bucket holds at least
 * {@code min(cost, capacity)}, and then removes all {@code cost}: a take larger than the bucket
 * (a write of more points than the burst) is admitted only when the bucket is full and leaves it
 * in debt, which refilling pays back before anything else is admitted. So the rate holds on
 * average whatever the sizes, and no batch is refused forever. Thread-safe.
 */
final class TokenBucket {
    private static final double NANOS_PER_SECOND = 1e9;
    private final double perSecond;
    private final double capacity;
    private double tokens;
    private long updatedNanos;

    /** A full bucket of {@code rate} (which must limit something) at {@code nowNanos}. */
    TokenBucket(Rate rate, long nowNanos) {
        if (rate.unlimited()) {
            throw new IllegalArgumentException("an unlimited rate has no bucket");
        }
        this.perSecond = rate.perSecond();
        this.capacity = rate.capacity();
        this.tokens = capacity;
        this.updatedNanos = nowNanos;
    }

    /** Takes {@code cost} tokens at {@code nowNanos}: empty when taken, else how long until the take could succeed. */
    synchronized Optional<Duration> take(long cost, long nowNanos) {
        refill(nowNanos);
        double needed = Math.min(cost, capacity);
        if (tokens >= needed) {
            tokens -= cost;
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos((long) Math.ceil((needed - tokens) / perSecond * NANOS_PER_SECOND)));
    }

    /** Returns {@code cost} tokens taken for a request that was refused by another limit after all. */
    synchronized void giveBack(long cost) {
        tokens = Math.min(capacity, tokens + cost);
    }

    private void refill(long nowNanos) {
        if (nowNanos > updatedNanos) {
            tokens = Math.min(capacity, tokens + (nowNanos - updatedNanos) / NANOS_PER_SECOND * perSecond);
            updatedNanos = nowNanos;
        }
    }
}
