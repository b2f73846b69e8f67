package io.timestore.server.query;

import io.timestore.server.problems.InvalidRequest;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The windows of an aggregate query: {@code stepNanos} long, aligned to the Unix epoch, or, with
 * a time zone ({@code tz}) and a step of whole days, starting at local midnight, so a day window
 * lasts 23 or 25 hours across a DST change, as InfluxDB's {@code tz()} makes them. N-day windows
 * start on the local days whose number since 1970-01-01 is a multiple of N. Shorter windows stay
 * aligned to the epoch in UTC whatever the zone.
 *
 * @param zone the zone of local windows (empty: UTC, or a step shorter than a day); UTC itself
 *             is dropped, its days being the epoch's
 */
record Windows(long stepNanos, Optional<ZoneId> zone) {
    static final long DAY = 86_400_000_000_000L;

    Windows {
        if (stepNanos <= 0) {
            throw new IllegalArgumentException("step must be positive");
        }
        // UTC's local days are the epoch's days: no local windows needed, whatever the step.
        zone = stepNanos >= DAY ? zone.filter(id -> !id.normalized().equals(ZoneOffset.UTC)) : Optional.empty();
        if (zone.isPresent() && stepNanos % DAY != 0) {
            throw new InvalidRequest("with a time zone, windows of a day or more must be whole days (1d, 7d, ...), got %dns"
                    .formatted(stepNanos));
        }
    }

    /** Epoch-aligned windows of {@code stepNanos}. */
    static Windows utc(long stepNanos) {
        return new Windows(stepNanos, Optional.empty());
    }

    /** The zone a request names ({@code tz=} or {@code tz('...')}): an IANA region id such as Europe/Paris, or UTC. */
    static ZoneId zone(String name) {
        try {
            if (!name.equals("UTC") && !ZoneId.getAvailableZoneIds().contains(name)) {
                throw new DateTimeException(name);
            }
            return ZoneId.of(name);
        } catch (DateTimeException e) {
            throw new InvalidRequest("unknown time zone '%s': use an IANA time zone such as Europe/Paris or America/New_York"
                    .formatted(name));
        }
    }

    /** Whether windows start at local midnight (and the database gives them as local day numbers). */
    boolean local() {
        return zone.isPresent();
    }

    /** The days per window of local windows. */
    long days() {
        return stepNanos / DAY;
    }

    /**
     * The start of the window holding {@code time}. A window that starts before the earliest int64
     * (a step that does not divide 2^63, near 1677) is labelled with the earliest int64, as the
     * database labels its bucket.
     */
    long start(long time) {
        if (zone.isEmpty()) {
            try {
                return Math.multiplyExact(Math.floorDiv(time, stepNanos), stepNanos);
            } catch (ArithmeticException beforeTheEarliestInt64) {
                return Long.MIN_VALUE;
            }
        }
        long day = LocalDate.ofInstant(instant(time), zone.get()).toEpochDay();
        return midnight(Math.floorDiv(day, days()) * days());
    }

    /** The start of the window after the one starting (or labelled, see {@link #start}) at {@code start}. */
    long next(long start) {
        if (zone.isEmpty()) {
            return (Math.floorDiv(start, stepNanos) + 1) * stepNanos;
        }
        return midnight(LocalDate.ofInstant(instant(start), zone.get()).toEpochDay() + days());
    }

    /** A window's start from the database's bucket: nanoseconds, or for local windows the local day number it starts on. */
    long fromBucket(long bucket) {
        return zone.isEmpty() ? bucket : midnight(bucket);
    }

    /** The local midnight starting day {@code epochDay}, in nanoseconds, saturated at the ends of int64 (years 1677 and 2262). */
    private long midnight(long epochDay) {
        var instant = LocalDate.ofEpochDay(epochDay).atStartOfDay(zone.orElseThrow()).toInstant();
        try {
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
        } catch (ArithmeticException e) {
            return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
