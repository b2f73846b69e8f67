package io.timestore.server.points;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link Rfc3339#format} writes its text itself; it must stay exactly {@link Instant#toString}'s,
 * the text every response had before (ISO_INSTANT: fractions in groups of three digits).
 */
class Rfc3339FormatProperties {

    @Property(tries = 5000)
    void every_int64_time_is_written_as_instant_writes_it(@ForAll long nanos) {
        assertThat(Rfc3339.format(nanos)).isEqualTo(instantText(nanos));
    }

    @Property(tries = 3000)
    void whole_seconds_milliseconds_and_microseconds_keep_their_short_fractions(@ForAll("roundTimes") long nanos) {
        assertThat(Rfc3339.format(nanos)).isEqualTo(instantText(nanos));
    }

    @Example
    void the_ends_of_the_int64_range_and_the_epoch_are_written_as_instant_writes_them() {
        assertThat(Rfc3339.format(Long.MIN_VALUE)).isEqualTo("1677-09-21T00:12:43.145224192Z");
        assertThat(Rfc3339.format(Long.MAX_VALUE)).isEqualTo("2262-04-11T23:47:16.854775807Z");
        assertThat(Rfc3339.format(0)).isEqualTo("1970-01-01T00:00:00Z");
        assertThat(Rfc3339.format(-1)).isEqualTo("1969-12-31T23:59:59.999999999Z");
        assertThat(Rfc3339.format(951_782_400_000_000_000L)).isEqualTo("2000-02-29T00:00:00Z");
        assertThat(Rfc3339.format(1_500_000L)).isEqualTo("1970-01-01T00:00:00.001500Z");
    }

    @Provide
    Arbitrary<Long> roundTimes() {
        var units = Arbitraries.of(1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L, 86_400_000_000_000L);
        return units.flatMap(unit -> Arbitraries.longs().between(Long.MIN_VALUE / unit, Long.MAX_VALUE / unit).map(n -> n * unit));
    }

    private static String instantText(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
    }
}
