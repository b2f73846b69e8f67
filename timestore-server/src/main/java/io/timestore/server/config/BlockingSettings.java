package io.timestore.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Automatic blocking after repeated authentication failures (docs/security.md, "Automatic
 * blocking"; keys {@code auth.blocking.*} in docs/configuration.md).
 *
 * @param enabled   {@code auth.blocking.enabled}: off, failures are neither counted nor blocked
 * @param threshold {@code auth.blocking.threshold}: failures within {@code window} that block a
 *                  source address or a credential
 * @param window    {@code auth.blocking.window}: how long failures are counted from the first
 * @param duration  {@code auth.blocking.duration}: how long a block lasts
 * @param cacheTtl  {@code auth.blocking.cache-ttl}: how long an instance trusts its copy of the
 *                  blocks in force; a block started or lifted on another instance takes effect
 *                  here within it, and blocks that ran out are ended (with their event) as often
 */
public record BlockingSettings(boolean enabled, int threshold, Duration window, Duration duration, Duration cacheTtl) {
    public BlockingSettings {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(cacheTtl, "cacheTtl");
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1, found " + threshold);
        }
        for (var d : new Duration[] {window, duration, cacheTtl}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("durations must be positive, found " + d);
            }
        }
    }

    public static BlockingSettings defaults() {
        return new BlockingSettings(true, 10, Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofSeconds(1));
    }
}
