package io.timestore.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The one duration syntax: every unit, ISO-8601, errors that say how a duration is written. */
class DurationsTest {
    @Test
    void a_whole_number_and_a_unit_is_a_duration_in_every_unit() {
        assertThat(Durations.parse("250ns")).isEqualTo(Duration.ofNanos(250));
        assertThat(Durations.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(Durations.parse(" 0s ")).isZero();
    }

    @Test
    void iso_8601_is_accepted_too() {
        assertThat(Durations.parse("PT15M")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Durations.parse("P1DT2H")).isEqualTo(Duration.ofHours(26));
    }

    @Test
    void anything_else_is_refused_with_how_a_duration_is_written() {
        for (var text : new String[] {"", "15", "m", "1.5h", "1 h", "1H", "15min", "-5m", "1h30m", "P", "PT", "ten seconds"}) {
            var refused = assertThrows(Durations.NotADuration.class, () -> Durations.parse(text), text);
            assertThat(refused.getMessage()).as(text).contains("is not a duration", "ns, us, ms, s, m, h, d, w", "PT15M");
        }
    }

    @Test
    void a_duration_beyond_what_a_duration_holds_is_refused_as_such() {
        var refused = assertThrows(Durations.NotADuration.class, () -> Durations.parse("9999999999999999999w"));

        assertThat(refused.rule()).isEqualTo("is longer than any duration Timestore can hold");
    }

    @Test
    void format_writes_the_largest_unit_that_divides_exactly() {
        assertThat(Durations.format(Duration.ofMinutes(15))).isEqualTo("15m");
        assertThat(Durations.format(Duration.ofMinutes(60))).isEqualTo("1h");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(Durations.format(Duration.ofNanos(1001))).isEqualTo("1001ns");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    }

    @Property
    void every_formatted_duration_parses_back_to_itself(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long nanos) {
        var duration = Duration.ofNanos(nanos);

        assertThat(Durations.parse(Durations.format(duration))).isEqualTo(duration);
    }
}
