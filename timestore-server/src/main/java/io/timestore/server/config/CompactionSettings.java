package io.timestore.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The points compactor (docs/data-plane.md, "Compaction"): hot rows in hour buckets wholly older
 * than {@code age} are folded into chunks, a pass every {@code interval}.
 *
 * @param enabled  whether the compactor runs (on by default, {@code points.compaction.enabled}; reads merge
 *                 chunks with the hot rows, so a pass changes no answer)
 * @param age      how old a hot row must be before it is folded
 * @param interval pause between two passes
 */
public record CompactionSettings(boolean enabled, Duration age, Duration interval) {
    public CompactionSettings {
        Objects.requireNonNull(age, "age");
        Objects.requireNonNull(interval, "interval");
        if (age.isNegative()) {
            throw new IllegalArgumentException("age must not be negative, got " + age);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + interval);
        }
    }

    /**
     * Off, for settings built in code (tests, benchmarks) that run passes themselves; the configured
     * default ({@code points.compaction.enabled}) is on. When on: rows older than 1 h, one pass a minute.
     */
    public static CompactionSettings defaults() {
        return new CompactionSettings(false, Duration.ofHours(1), Duration.ofMinutes(1));
    }
}
