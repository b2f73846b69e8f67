package io.timestore.server.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.ingest.SeriesSlots.Slot;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.FieldValue;
import io.timestore.server.points.Point;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class SeriesSlotsTest {
    private final LineProtocolParser parser = new LineProtocolParser(Limits.DEFAULTS);

    private Batch parse(String body) {
        return parser.parse(body.getBytes(UTF_8), Precision.NANOSECONDS, 0);
    }

    private static List<Integer> slotsOfValues(SeriesSlots slots) {
        return IntStream.range(0, slots.values()).map(slots::slotOf).boxed().toList();
    }

    @Test
    void series_are_numbered_in_the_order_the_write_first_names_them_and_every_value_knows_its_series() {
        var slots = new SeriesSlots(parse("""
                cpu,host=a usage=1,idle=2 1
                cpu,host=b usage=3 1
                cpu,host=a idle=4,usage=5 2
                mem,host=a free=6i 1
                """));

        assertThat(slots.slots()).containsExactly(
                new Slot("cpu", "{\"host\":\"a\"}", "usage", FieldType.FLOAT, 0),
                new Slot("cpu", "{\"host\":\"a\"}", "idle", FieldType.FLOAT, 0),
                new Slot("cpu", "{\"host\":\"b\"}", "usage", FieldType.FLOAT, 1),
                new Slot("mem", "{\"host\":\"a\"}", "free", FieldType.INTEGER, 3));
        assertThat(slotsOfValues(slots)).containsExactly(0, 1, 2, 1, 0, 3); // line 3 lists its fields the other way round
        assertThat(IntStream.range(0, 4).map(slots::count)).containsExactly(2, 2, 1, 1);
        assertThat(slots.consistent()).isTrue();
    }

    @Test
    void a_series_key_met_again_in_a_later_write_brings_its_tag_json_built_once_not_per_write() {
        var first = new SeriesSlots(parse("cpu,host=a,region=eu usage=1 1\n")).slots().getFirst();
        var later = new SeriesSlots(parse("mem,host=b free=1i 1\ncpu,host=a,region=eu usage=2 2\n")).slots().get(1);

        assertThat(later.tags()).isEqualTo("{\"host\":\"a\",\"region\":\"eu\"}").isSameAs(first.tags());
    }

    @Test
    void measurements_without_tags_are_different_series_though_they_share_the_empty_tag_list() {
        var batch = parse("cpu v=1 1\nmem v=1i 1\ncpu v=2 2\n");
        assertThat(batch.tags(0)).isSameAs(batch.tags(1));

        var slots = new SeriesSlots(batch);

        assertThat(slots.slots()).extracting(Slot::measurement, Slot::type)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("cpu", FieldType.FLOAT),
                        org.assertj.core.groups.Tuple.tuple("mem", FieldType.INTEGER));
        assertThat(slotsOfValues(slots)).containsExactly(0, 1, 0);
        assertThat(slots.consistent()).isTrue();
    }

    @Test
    void many_measurements_without_tags_each_keep_their_own_series() {
        var body = new StringBuilder();
        for (int round = 0; round < 2; round++) {
            for (int m = 0; m < 20; m++) {
                body.append("m").append(m).append(" v=").append(m).append(' ').append(round + 1).append('\n');
            }
        }

        var slots = new SeriesSlots(parse(body.toString()));

        assertThat(slots.slots()).extracting(Slot::measurement).containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(m -> "m" + m).toList());
        assertThat(slotsOfValues(slots)).isEqualTo(IntStream.range(0, 40).map(v -> v % 20).boxed().toList());
    }

    @Test
    void points_built_elsewhere_with_their_own_tag_lists_give_the_same_series_as_parsed_points() {
        var parsed = parse("cpu,host=a,region=eu usage=1 1\ncpu,host=a,region=eu usage=2 2\ncpu,region=eu usage=3 3\n");
        var built = List.of(
                Point.of("cpu", Map.of("region", "eu", "host", "a"), Map.of("usage", new FieldValue.FloatValue(1)), 1),
                Point.of("cpu", Map.of("host", "a", "region", "eu"), Map.of("usage", new FieldValue.FloatValue(2)), 2),
                Point.of("cpu", Map.of("region", "eu"), Map.of("usage", new FieldValue.FloatValue(3)), 3));

        var fromParser = new SeriesSlots(parsed);
        var fromElsewhere = new SeriesSlots(Batch.of(built, new int[] {1, 2, 3}));

        assertThat(fromElsewhere.slots()).isEqualTo(fromParser.slots()).hasSize(2);
        assertThat(slotsOfValues(fromElsewhere)).isEqualTo(slotsOfValues(fromParser)).containsExactly(0, 0, 1);
    }

    @Test
    void a_field_written_with_two_types_makes_the_write_inconsistent_whether_in_one_series_or_across_tag_sets() {
        assertThat(new SeriesSlots(parse("cpu,host=a v=1 1\ncpu,host=a v=1i 2\n")).consistent()).isFalse();
        assertThat(new SeriesSlots(parse("cpu,host=a v=1 1\ncpu,host=b v=1i 2\n")).consistent()).isFalse();
        assertThat(new SeriesSlots(parse("cpu,host=a v=1 1\nmem,host=b v=1i 2\n")).consistent()).isTrue();
    }

    /** {@link PointsService} skips the exact conflict report when the slots say the write is consistent: they must agree. */
    @Property(tries = 500)
    void the_write_is_consistent_exactly_when_the_batch_reports_no_type_conflict(@ForAll("bodies") String body) {
        var batch = parse(body);

        assertThat(new SeriesSlots(batch).consistent()).isEqualTo(batch.typeConflicts().isEmpty());
    }

    /** The series of each value, as a map from (measurement, tags, field) built point by point. */
    @Property(tries = 300)
    void every_value_is_in_the_series_of_its_measurement_tags_and_field(@ForAll("bodies") String body) {
        var batch = parse(body);
        var points = batch.points();
        var slots = new SeriesSlots(batch);

        var expected = new LinkedHashMap<List<Object>, Integer>();
        var actual = new ArrayList<Integer>();
        for (var point : points) {
            for (var field : point.fields()) {
                actual.add(expected.computeIfAbsent(List.of(point.measurement(), point.tags(), field.key()), k -> expected.size()));
            }
        }
        assertThat(slotsOfValues(slots)).isEqualTo(actual);
        assertThat(slots.slots()).hasSize(expected.size());
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> measurement = Arbitraries.of("cpu", "mem", "disk");
        Arbitrary<String> tags = Arbitraries.of("", ",host=a", ",host=b", ",host=a,region=eu");
        Arbitrary<String> field = Arbitraries.of("a", "b", "c").flatMap(key -> Arbitraries.of("1", "2i", "3u", "t", "\"x\"")
                .map(value -> key + "=" + value));
        Arbitrary<String> fields = field.list().ofMinSize(1).ofMaxSize(3).uniqueElements(f -> f.charAt(0))
                .map(list -> String.join(",", list));
        Arbitrary<String> line = net.jqwik.api.Combinators.combine(measurement, tags, fields, Arbitraries.integers().between(1, 5))
                .as((m, t, f, time) -> m + t + " " + f + " " + time);
        return line.list().ofMinSize(1).ofMaxSize(12).map(lines -> String.join("\n", lines));
    }
}
