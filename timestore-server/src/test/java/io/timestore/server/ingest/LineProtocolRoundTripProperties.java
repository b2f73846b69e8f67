package io.timestore.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.points.FieldValue;
import io.timestore.server.points.FieldValue.BooleanValue;
import io.timestore.server.points.FieldValue.FloatValue;
import io.timestore.server.points.FieldValue.IntegerValue;
import io.timestore.server.points.FieldValue.StringValue;
import io.timestore.server.points.FieldValue.UnsignedValue;
import io.timestore.server.points.Point;
import io.timestore.server.points.Rfc3339;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Points written by {@link LineProtocolWriter} parse back as the same points. */
class LineProtocolRoundTripProperties {
    private static final long NOW = 1_700_000_000_000_000_000L;
    private final LineProtocolParser parser = new LineProtocolParser(Limits.DEFAULTS);

    @Property(tries = 500)
    void written_points_parse_back_unchanged(@ForAll("batches") List<Point> points) {
        byte[] body = LineProtocolWriter.encode(points, Precision.NANOSECONDS);

        assertThat(parser.parse(body, Precision.NANOSECONDS, NOW).points()).containsExactlyElementsOf(points);
    }

    @Property(tries = 200)
    void written_points_parse_back_unchanged_in_every_precision(
            @ForAll("points") Point point, @ForAll Precision precision, @ForAll("unitsOfTime") long units) {
        long unit = precision.nanosPerUnit();
        long nanos = Math.max(LineReader.MIN_NANOS / unit, Math.min(LineReader.MAX_NANOS / unit, units)) * unit;
        var atTime = new Point(point.measurement(), point.tags(), point.fields(), nanos);

        byte[] body = LineProtocolWriter.encode(List.of(atTime), precision);

        assertThat(parser.parse(body, precision, NOW).points()).containsExactly(atTime);
    }

    @Property(tries = 2000)
    void floats_parse_exactly_as_the_jdk_reads_their_decimal_form(@ForAll double value, @ForAll("decimals") String decimal) {
        for (String text : List.of(Double.toString(value), decimal)) {
            if (!Double.isFinite(Double.parseDouble(text))) {
                continue;
            }
            byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(NumberParser.parseDouble(bytes, 0, bytes.length)).as(text).isEqualTo(Double.parseDouble(text));
        }
    }

    @Property(tries = 1000)
    void integers_parse_exactly(@ForAll long value) {
        byte[] signed = Long.toString(value).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] unsigned = Long.toUnsignedString(value).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

        assertThat(NumberParser.parseLong(signed, 0, signed.length)).isEqualTo(value);
        assertThat(NumberParser.parseUnsignedLong(unsigned, 0, unsigned.length)).isEqualTo(value);
    }

    @Property(tries = 2000)
    void every_int64_time_reads_back_from_its_rfc3339_form_and_as_a_query_bound(@ForAll long nanos) {
        String text = Rfc3339.format(nanos);

        assertThat(Rfc3339.parseRfc3339(text)).as(text).contains(nanos);
        assertThat(Rfc3339.parse(text)).as(text).contains(nanos);
        assertThat(Rfc3339.parseBound(text)).as(text).contains(nanos);
        assertThat(Rfc3339.parseBound(Long.toString(nanos))).contains(nanos);
    }

    @Property(tries = 200)
    void instants_beyond_the_int64_range_are_refused_as_point_times_and_clamped_as_query_bounds(
            @ForAll("beyondInt64") java.time.Instant instant) {
        String text = instant.toString();

        assertThat(Rfc3339.parseRfc3339(text)).as(text).isEmpty();
        assertThat(Rfc3339.parseBound(text)).as(text)
                .contains(instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE);
    }

    @Provide
    Arbitrary<java.time.Instant> beyondInt64() {
        var before = Arbitraries.longs().between(java.time.Instant.parse("0000-01-01T00:00:00Z").getEpochSecond(),
                java.time.Instant.parse("1677-09-21T00:12:43Z").getEpochSecond());
        var after = Arbitraries.longs().between(java.time.Instant.parse("2262-04-11T23:47:17Z").getEpochSecond(),
                java.time.Instant.parse("9999-12-31T23:59:59Z").getEpochSecond());
        var nanos = Arbitraries.integers().between(0, 999_999_999);
        return Combinators.combine(Arbitraries.oneOf(before, after), nanos).as(java.time.Instant::ofEpochSecond)
                .filter(i -> i.isBefore(java.time.Instant.parse("1677-09-21T00:12:43.145224192Z"))
                        || i.isAfter(java.time.Instant.parse("2262-04-11T23:47:16.854775807Z")));
    }

    @Provide
    Arbitrary<String> decimals() {
        var digits = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(25);
        var exponent = Arbitraries.integers().between(-330, 330);
        return Combinators.combine(Arbitraries.of("", "-"), digits, Arbitraries.strings().numeric().ofMaxLength(25), exponent,
                        Arbitraries.of(true, false))
                .as((sign, whole, fraction, exp, scientific) ->
                        sign + whole + (fraction.isEmpty() ? "" : "." + fraction) + (scientific ? "e" + exp : ""));
    }

    @Provide
    Arbitrary<Long> unitsOfTime() {
        return Arbitraries.longs();
    }

    @Provide
    Arbitrary<List<Point>> batches() {
        return points().list().ofMinSize(1).ofMaxSize(20);
    }

    @Provide
    Arbitrary<Point> points() {
        var tags = Arbitraries.maps(names(), names()).ofMaxSize(5);
        var fields = Arbitraries.maps(names(), values()).ofMinSize(1).ofMaxSize(5);
        var time = Arbitraries.longs().between(LineReader.MIN_NANOS, LineReader.MAX_NANOS);
        return Combinators.combine(measurements(), tags, fields, time).as(Point::of);
    }

    private static Arbitrary<String> measurements() {
        return names().filter(n -> n.charAt(0) != '#');
    }

    /**
     * Names with every character line protocol escapes, multi-byte UTF-8, and backslashes where
     * line protocol can carry them (before an ordinary character).
     */
    private static Arbitrary<String> names() {
        var units = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, Arbitraries.strings().alpha().numeric().ofLength(1)),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(",", " ", "=", "\"", "#", "_", "-", ".", "é", "中", "\ud83d\ude00", "\t", "\r")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("\\a", "\\Z", "\\9", "\\é")));
        return units.list().ofMinSize(1).ofMaxSize(12).map(parts -> String.join("", parts))
                .filter(n -> n.charAt(0) != '\t');
    }

    private static Arbitrary<FieldValue> values() {
        return Arbitraries.oneOf(
                Arbitraries.doubles().filter(Double::isFinite).map(FloatValue::new),
                Arbitraries.of(0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1e-300, 0.1, 6.02e23).map(FloatValue::new),
                Arbitraries.longs().map(IntegerValue::new),
                Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L).map(IntegerValue::new),
                Arbitraries.longs().map(UnsignedValue::new),
                Arbitraries.of(-1L, 0L, Long.MIN_VALUE).map(UnsignedValue::new),
                Arbitraries.of(BooleanValue.TRUE, BooleanValue.FALSE),
                Arbitraries.strings().all().excludeChars('\u0000').ofMaxLength(30)
                        .filter(LineProtocolRoundTripProperties::wellFormed).map(StringValue::new),
                Arbitraries.strings().withChars("\"\\ ,=\n\r\tx").ofMaxLength(12).map(StringValue::new));
    }

    /** No lone surrogates: they have no UTF-8 form, so no body could carry them. */
    private static boolean wellFormed(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (Character.isHighSurrogate(c) && k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1))) {
                k++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
