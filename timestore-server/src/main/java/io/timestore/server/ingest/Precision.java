package io.timestore.server.ingest;

import java.util.Optional;

/**
 * The unit of line-protocol timestamps: the {@code precision} query parameter of
 * {@code /api/v2/write}. InfluxDB 2.x accepts exactly {@code ns}, {@code us}, {@code ms} and
 * {@code s}; an absent parameter means {@code ns} (the route decides that, not this enum).
 * InfluxDB 1.x's {@code /write} also takes {@code n}, {@code u}, {@code m} (minutes) and
 * {@code h} ({@link #findV1}).
 */
public enum Precision {
    NANOSECONDS("ns", 1L),
    MICROSECONDS("us", 1_000L),
    MILLISECONDS("ms", 1_000_000L),
    SECONDS("s", 1_000_000_000L),
    /** InfluxDB 1.x only ({@code m}). */
    MINUTES("m", 60_000_000_000L),
    /** InfluxDB 1.x only ({@code h}). */
    HOURS("h", 3_600_000_000_000L);

    private final String queryValue;
    private final long nanosPerUnit;

    Precision(String queryValue, long nanosPerUnit) {
        this.queryValue = queryValue;
        this.nanosPerUnit = nanosPerUnit;
    }

    /** The precision spelled {@code value} ({@code ns|us|ms|s}), or empty for anything else. */
    public static Optional<Precision> find(String value) {
        for (Precision p : values()) {
            if (p.queryValue.equals(value) && p.ordinal() <= SECONDS.ordinal()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The precision of InfluxDB 1.x's {@code /write} spelled {@code value} ({@code n|ns|u|us|ms|s|m|h}), or empty. */
    public static Optional<Precision> findV1(String value) {
        var spelled = switch (value) {
            case "n" -> "ns";
            case "u" -> "us";
            default -> value;
        };
        for (Precision p : values()) {
            if (p.queryValue.equals(spelled)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * The precision spelled {@code value}.
     *
     * @throws IllegalArgumentException for anything but {@code ns}, {@code us}, {@code ms}, {@code s}
     */
    public static Precision parse(String value) {
        return find(value).orElseThrow(() -> new IllegalArgumentException(
                "invalid precision '%s': expected one of ns, us, ms, s".formatted(value)));
    }

    public String queryValue() {
        return queryValue;
    }

    public long nanosPerUnit() {
        return nanosPerUnit;
    }

    /**
     * {@code timestamp} (in this precision) in nanoseconds.
     *
     * @throws ArithmeticException if the result does not fit in an int64
     */
    public long toNanos(long timestamp) {
        return Math.multiplyExact(timestamp, nanosPerUnit);
    }

    /**
     * {@code nanos} rounded down to a whole unit of this precision, as InfluxDB does with the
     * server time it gives lines that have no timestamp.
     */
    public long truncate(long nanos) {
        return nanos - Math.floorMod(nanos, nanosPerUnit);
    }

    @Override
    public String toString() {
        return queryValue;
    }
}
