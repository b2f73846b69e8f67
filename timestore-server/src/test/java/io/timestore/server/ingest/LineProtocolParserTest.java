package io.timestore.server.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.server.ingest.LineProtocolException.Reason;
import io.timestore.server.points.Field;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.FieldValue.BooleanValue;
import io.timestore.server.points.FieldValue.FloatValue;
import io.timestore.server.points.FieldValue.IntegerValue;
import io.timestore.server.points.FieldValue.StringValue;
import io.timestore.server.points.FieldValue.UnsignedValue;
import io.timestore.server.points.Point;
import io.timestore.server.points.Tag;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LineProtocolParserTest {
    private static final long NOW = 1_700_000_000_123_456_789L;
    private final LineProtocolParser parser = new LineProtocolParser(Limits.DEFAULTS);

    private Batch parse(String body) {
        return parse(body, Precision.NANOSECONDS);
    }

    private Batch parse(String body, Precision precision) {
        return parser.parse(body.getBytes(UTF_8), precision, NOW);
    }

    private LineProtocolException rejection(String body) {
        return rejection(parser, body, Precision.NANOSECONDS);
    }

    private static LineProtocolException rejection(LineProtocolParser parser, String body, Precision precision) {
        try {
            parser.parse(body.getBytes(UTF_8), precision, NOW);
        } catch (LineProtocolException e) {
            return e;
        }
        throw new AssertionError("expected the body to be rejected: " + body);
    }

    @Test
    void a_series_key_seen_in_an_earlier_write_is_parsed_once_and_its_tags_shared() {
        var first = parse("cpu,host=a,region=eu usage=1 1\n").points().getFirst();
        var second = parse("cpu,host=a,region=eu usage=2 2\nmem,host=a free=3 3\n").points();

        assertThat(second.getFirst().tags()).isSameAs(first.tags());
        assertThat(second.get(1).tags()).isNotSameAs(first.tags()).containsExactly(new Tag("host", "a"));
    }

    @Test
    void every_line_of_a_batch_interleaving_many_series_gets_its_own_series() {
        // 1,000 series five times over (the cache holds them: repeats hit), then 5,000 series
        // three times over (more than its 4,096 slots: lines miss, collide and evict).
        var series = new ArrayList<Integer>();
        IntStream.range(0, 5_000).forEach(i -> series.add(i % 1_000));
        IntStream.range(0, 15_000).forEach(i -> series.add(1_000 + i % 5_000));
        var body = IntStream.range(0, series.size())
                .mapToObj(i -> "m%d,host=h%d,rack=r%d v=%di %d".formatted(series.get(i) % 7, series.get(i), series.get(i) % 13, i, i))
                .collect(Collectors.joining("\n"));

        var points = parse(body).points();

        assertThat(points).hasSize(series.size());
        for (int i = 0; i < points.size(); i++) {
            int s = series.get(i);
            var point = points.get(i);
            assertThat(point.measurement()).isEqualTo("m" + s % 7);
            assertThat(point.tags()).containsExactly(new Tag("host", "h" + s), new Tag("rack", "r" + s % 13));
            assertThat(point.timestampNanos()).isEqualTo(i);
        }
        // A cache hit hands out the series' tag list itself: most repeats of the first 1,000
        // series share it with the point 1,000 lines before (a few lose their slot to a collision).
        long shared = IntStream.range(1_000, 5_000).filter(i -> points.get(i).tags() == points.get(i - 1_000).tags()).count();
        assertThat(shared).isGreaterThan(2_000);
    }

    @Test
    void a_line_with_every_field_type_gives_one_point_with_sorted_tags_and_fields_in_line_order() {
        Batch batch = parse("cpu,zone=b,host=h\\ 1 f=1.5,i=-3i,u=18446744073709551615u,b=T,s=\"a \\\"q\\\" \\\\ \\n\" 1700000000000000001\n");

        Point p = batch.points().getFirst();
        assertThat(p.measurement()).isEqualTo("cpu");
        assertThat(p.tags()).containsExactly(new Tag("host", "h 1"), new Tag("zone", "b"));
        assertThat(p.fields()).extracting(Field::key).containsExactly("f", "i", "u", "b", "s");
        assertThat(p.fields()).extracting(Field::value).containsExactly(
                new FloatValue(1.5), new IntegerValue(-3), new UnsignedValue(-1L), BooleanValue.TRUE,
                new StringValue("a \"q\" \\ \\n"));
        assertThat(p.timestampNanos()).isEqualTo(1_700_000_000_000_000_001L);
        assertThat(batch.lineOf(0)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\n", " \t \n", "# just a comment", "# one\n  # two\n\n"})
    void empty_blank_and_comment_only_bodies_are_valid_with_zero_points(String body) {
        assertThat(parse(body).points()).isEmpty();
    }

    @Test
    void a_bad_line_in_the_middle_rejects_the_whole_body_naming_its_line() {
        var e = rejection("cpu x=1\n# comment\ncpu x=abc\ncpu x=2\n");

        assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
        assertThat(e.errors()).singleElement().hasToString(
                "line 3: invalid field value for field 'x': expected a number, boolean or quoted string, found 'abc'");
        assertThat(e.moreErrors()).isFalse();
        assertThat(e.getMessage()).startsWith("1 line is not valid line protocol; first: line 3: ");
    }

    @Test
    void every_bad_line_is_reported_in_order_with_a_precise_message() {
        var e = rejection("""
                cpu,host=a value=1i
                cpu,host value=1i
                cpu value=9223372036854775808i
                cpu value=1 12x
                cpu,time=x value=1
                cpu,a=1,a=2 value=1
                cpu value="open
                """);

        assertThat(e.errors()).extracting(LineError::toString).containsExactly(
                "line 2: missing tag value for tag key 'host' (expected key=value)",
                "line 3: integer out of range for field 'value': 9223372036854775808 (int64 holds -9223372036854775808 to 9223372036854775807)",
                "line 4: bad timestamp: expected an integer, found '12x'",
                "line 5: cannot use reserved tag key \"time\"",
                "line 6: duplicate tags: tag key 'a' appears more than once",
                "line 7: unbalanced quotes: a string field value is not closed with '\"'");
    }

    @Test
    void line_numbers_count_the_line_breaks_inside_quoted_strings() {
        var batch = parse("m s=\"one\ntwo\" 1\nm s=\"three\" 2\n");
        assertThat(batch.points()).hasSize(2);
        assertThat(batch.lineOf(1)).isEqualTo(3);

        var e = rejection("m s=\"one\ntwo\" 1\nm x=oops\n");
        assertThat(e.errors()).singleElement().extracting(LineError::line).isEqualTo(3);
    }

    @Test
    void only_the_first_100_bad_lines_are_reported() {
        String body = IntStream.rangeClosed(1, 250).mapToObj(i -> i % 2 == 0 ? "m x=bad" : "m x=1").collect(Collectors.joining("\n"));

        var e = rejection(body);

        assertThat(e.errors()).hasSize(LineProtocolException.MAX_REPORTED_ERRORS);
        assertThat(e.errors().getFirst().line()).isEqualTo(2);
        assertThat(e.errors().getLast().line()).isEqualTo(200);
        assertThat(e.moreErrors()).isTrue();
        assertThat(e.getMessage()).startsWith("more than 100 lines are not valid line protocol");
    }

    @Test
    void a_carriage_return_is_part_of_the_value_as_in_influxdb_2_and_shown_in_the_error() {
        var e = rejection("m x=1\r\n");
        assertThat(e.errors()).singleElement().hasToString("line 1: invalid number for field 'x': '1\\x0d'");
    }

    @Test
    void timestamps_are_scaled_to_nanoseconds_by_precision() {
        assertThat(parse("m x=1 3", Precision.SECONDS).points().getFirst().timestampNanos()).isEqualTo(3_000_000_000L);
        assertThat(parse("m x=1 3", Precision.MILLISECONDS).points().getFirst().timestampNanos()).isEqualTo(3_000_000L);
        assertThat(parse("m x=1 -3", Precision.MICROSECONDS).points().getFirst().timestampNanos()).isEqualTo(-3_000L);
        assertThat(parse("m x=1 3", Precision.NANOSECONDS).points().getFirst().timestampNanos()).isEqualTo(3L);
    }

    @Test
    void a_line_without_timestamp_gets_the_server_time_truncated_to_the_precision() {
        assertThat(parse("m x=1").points().getFirst().timestampNanos()).isEqualTo(NOW);
        assertThat(parse("m x=1", Precision.SECONDS).points().getFirst().timestampNanos()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(parse("m x=1", Precision.MILLISECONDS).points().getFirst().timestampNanos()).isEqualTo(1_700_000_000_123_000_000L);
    }

    @Test
    void a_timestamp_that_overflows_when_scaled_is_an_error_for_its_line() {
        var e = rejection(parser, "m x=1 1\nm x=1 9223372037\n", Precision.SECONDS);
        assertThat(e.errors()).singleElement().hasToString(
                "line 2: time outside range -9223372036854775806 - 9223372036854775806 (nanoseconds): 9223372037 with precision s");

        assertThat(parse("m x=1 9223372036", Precision.SECONDS).points().getFirst().timestampNanos()).isEqualTo(9_223_372_036_000_000_000L);
        assertThat(parse("m x=1 9223372036854775806").points().getFirst().timestampNanos()).isEqualTo(Long.MAX_VALUE - 1);
        assertThat(rejection("m x=1 9223372036854775807").errors()).hasSize(1);
        assertThat(rejection("m x=1 -9223372036854775807").errors()).hasSize(1);
    }

    @Test
    void precision_is_parsed_from_the_query_value_and_unknown_values_are_refused() {
        assertThat(Precision.parse("ns")).isEqualTo(Precision.NANOSECONDS);
        assertThat(Precision.parse("us")).isEqualTo(Precision.MICROSECONDS);
        assertThat(Precision.parse("ms")).isEqualTo(Precision.MILLISECONDS);
        assertThat(Precision.parse("s")).isEqualTo(Precision.SECONDS);
        assertThat(Precision.find("n")).isEmpty();
        assertThatThrownBy(() -> Precision.parse("h"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid precision 'h': expected one of ns, us, ms, s");
        assertThatThrownBy(() -> Precision.SECONDS.toNanos(Long.MAX_VALUE / 10)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void more_points_than_the_limit_stop_parsing_with_too_many_points() {
        var limited = new LineProtocolParser(new Limits(3, 1024));
        assertThat(limited.parse("m x=1\nm x=2\n# c\n\nm x=3\n".getBytes(UTF_8), Precision.NANOSECONDS, NOW).size()).isEqualTo(3);

        var e = rejection(limited, "m x=1\nm x=2\nm x=3\nm x=4\nm x=5\n", Precision.NANOSECONDS);

        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_POINTS);
        assertThat(e.getMessage()).isEqualTo(
                "too many points: the request has more than 3 points (reached at line 4); send at most 3 points per request");
    }

    @Test
    void a_line_longer_than_the_limit_is_a_bad_line() {
        var limited = new LineProtocolParser(new Limits(10, 10));
        assertThat(limited.parse("m x=123456".getBytes(UTF_8), Precision.NANOSECONDS, NOW).size()).isEqualTo(1);

        var e = rejection(limited, "m x=1\nm x=1234567\n", Precision.NANOSECONDS);

        assertThat(e.errors()).singleElement().hasToString("line 2: line too long: 11 bytes, the limit is 10 bytes");
    }

    @Test
    void series_keys_of_one_body_whose_hashes_collide_stay_apart_and_a_long_key_repeated_shares_one_tag_list() {
        // Two keys of the same hash meet in the body's table of recent series. The hash is seeded per
        // process, so the pair is searched for: among 400,000 keys about 19 pairs of 32-bit hashes
        // are expected to collide, none with a probability of about e^-19.
        String[] pair = collidingHostValues();
        var points = parse("cpu,host=%s v=1 1\ncpu,host=%s v=2 2\ncpu,host=%s v=3 3\n".formatted(pair[0], pair[1], pair[0])).points();

        assertThat(points).extracting(point -> point.tags().getFirst().value()).containsExactly(pair[0], pair[1], pair[0]);
        assertThat(points.get(2).tags()).isSameAs(points.get(0).tags());

        String longValue = "x".repeat(2000); // longer than the shared SeriesCache keeps
        var repeated = parse("cpu,host=%s v=1 1\ncpu,host=%s v=2 2\n".formatted(longValue, longValue)).points();
        assertThat(repeated.get(1).tags()).isSameAs(repeated.get(0).tags()).containsExactly(new Tag("host", longValue));
    }

    private static String[] collidingHostValues() {
        var seen = new java.util.HashMap<Integer, String>();
        for (int n = 0; n < 400_000; n++) {
            String value = "h" + n;
            byte[] key = ("cpu,host=" + value).getBytes(UTF_8);
            String before = seen.putIfAbsent(SeriesCache.hash(key, 0, key.length), value);
            if (before != null) {
                return new String[] {before, value};
            }
        }
        throw new AssertionError("no two of 400,000 series keys have the same hash");
    }

    @Test
    void limits_must_be_positive() {
        assertThatThrownBy(() -> new Limits(0, 1)).hasMessage("maxPoints must be at least 1, got 0");
        assertThatThrownBy(() -> new Limits(1, -1)).hasMessage("maxLineBytes must be at least 1, got -1");
    }

    @Test
    void a_field_written_with_two_types_in_one_batch_is_reported_as_a_type_conflict() {
        Batch batch = parse("cpu usage=1 1\nmem usage=1i 1\ncpu usage=2i 2\ncpu usage=3i 3\ncpu usage=\"x\" 4\n");

        assertThat(batch.typeConflicts()).containsExactly(
                new FieldTypeConflict("cpu", "usage", FieldType.FLOAT, 1, FieldType.INTEGER, 3),
                new FieldTypeConflict("cpu", "usage", FieldType.FLOAT, 1, FieldType.STRING, 5));
        assertThat(batch.typeConflicts().getFirst().message())
                .isEqualTo("field 'usage' of measurement 'cpu' is integer on line 3 but float on line 1");
        assertThat(batch.fieldTypes()).containsEntry("cpu", java.util.Map.of("usage", FieldType.FLOAT))
                .containsEntry("mem", java.util.Map.of("usage", FieldType.INTEGER));
        assertThat(parse("cpu a=1,b=1i\ncpu a=2,b=2i\nmem a=1i").typeConflicts()).isEmpty();
    }

    @Test
    void points_of_one_series_share_one_tag_list() {
        List<Point> points = parse("cpu,host=a x=1 1\ncpu,host=a x=2 2\ncpu,host=b x=3 3\n").points();

        assertThat(points.get(0).tags()).isSameAs(points.get(1).tags());
        assertThat(points.get(2).tags()).containsExactly(new Tag("host", "b"));
    }

    @Test
    void a_repeated_field_key_keeps_its_first_position_and_the_last_value_as_influxdb_2_does() {
        Point p = parse("m a=1,b=2,a=3").points().getFirst();
        assertThat(p.fields()).containsExactly(new Field("a", new FloatValue(3)), new Field("b", new FloatValue(2)));
    }

    @Test
    void escapes_are_undone_as_influxdb_2_does() {
        Point p = parse("c\\,p\\ u,t\\=k\\ 1=v\\,a\\=l\\ ue,u=x\\y f\\,i\\=e\\ ld\\\"=\"s\\\\ \\\" \\t\"").points().getFirst();

        assertThat(p.measurement()).isEqualTo("c,p u");
        assertThat(p.tagMap()).containsEntry("t=k 1", "v,a=l ue").containsEntry("u", "x\\y");
        assertThat(p.fieldMap()).containsEntry("f,i=e ld\"", new StringValue("s\\ \" \\t"));
    }

    @Test
    void names_and_strings_must_be_valid_utf8_without_nul_bytes() {
        byte[] badUtf8 = {'m', ',', 't', '=', (byte) 0xC3, ' ', 'x', '=', '1'};
        assertThatThrownBy(() -> parser.parse(badUtf8, Precision.NANOSECONDS, NOW))
                .isInstanceOfSatisfying(LineProtocolException.class, e -> assertThat(e.errors()).singleElement()
                        .hasToString("line 1: value of tag 't' is not valid UTF-8"));
        assertThat(rejection("m s=\"a\u0000b\"").errors()).singleElement()
                .hasToString("line 1: string value of field 's' contains a NUL byte, which cannot be stored");
        assertThat(parse("m\u00e9,t=\u4e2d s=\"\ud83d\ude00\"").points().getFirst().fieldMap())
                .containsEntry("s", new StringValue("\ud83d\ude00"));
    }

    @Test
    void a_string_value_with_text_after_its_closing_quote_is_refused() {
        assertThat(rejection("m f=\"a\"b").errors()).singleElement()
                .hasToString("line 1: invalid string value for field 'f': unexpected text after the closing quote");
    }

    @Test
    void a_heap_or_direct_byte_buffer_parses_like_an_array_and_keeps_its_position() {
        byte[] bytes = "xxm x=1i 5".getBytes(UTF_8);
        ByteBuffer heap = ByteBuffer.wrap(bytes).position(2);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip().position(2);

        for (ByteBuffer buffer : List.of(heap, direct)) {
            Batch batch = parser.parse(buffer, Precision.NANOSECONDS, NOW);
            assertThat(batch.points()).containsExactly(Point.of("m", java.util.Map.of(), java.util.Map.of("x", new IntegerValue(1)), 5));
            assertThat(buffer.position()).isEqualTo(2);
        }
    }
}
