package io.timestore.server.chunks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.server.points.FieldType;
import io.timestore.server.points.FieldValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/** Chunks decode to exactly the points they were encoded from (docs/data-plane.md, "Chunk format"). */
class ChunkCodecTest {
    private static final long MIN_NS = -9_223_372_036_854_775_806L;
    private static final long MAX_NS = 9_223_372_036_854_775_806L;

    /** One write: a timestamp and a value of the series' type. */
    record Write(long timestamp, FieldValue value) {}

    @Property(tries = 300)
    void every_chunk_decodes_to_the_points_it_was_encoded_from(@ForAll("chunks") ChunkPoints points) {
        assertThat(ChunkCodec.decode(ChunkCodec.encode(points))).isEqualTo(points);
    }

    /** The bit streams are read through a buffer of the next 64 bits: none may read past its section or leave bytes unread. */
    @Property(tries = 200)
    void every_shortened_or_lengthened_chunk_is_refused_with_a_format_error(@ForAll("chunks") ChunkPoints points,
                                                                             @ForAll @IntRange(min = 1, max = 64) int cut) {
        byte[] chunk = ChunkCodec.encode(points);
        byte[] shortened = Arrays.copyOf(chunk, Math.max(0, chunk.length - cut));
        byte[] lengthened = Arrays.copyOf(chunk, chunk.length + cut);
        assertThatThrownBy(() -> ChunkCodec.decode(shortened)).isInstanceOf(ChunkFormatException.class);
        assertThatThrownBy(() -> ChunkCodec.decode(lengthened)).isInstanceOf(ChunkFormatException.class);
    }

    @Property(tries = 300)
    void writes_in_any_order_with_repeated_timestamps_keep_the_last_value_per_timestamp(
            @ForAll FieldType type, @ForAll("writeTimes") List<Long> times, @ForAll @IntRange(min = 1, max = 300) int maxPoints) {
        var values = values(type);
        var writes = new ArrayList<Write>();
        for (long time : times) {
            writes.add(new Write(time, values.sample()));
        }
        var expected = new TreeMap<Long, FieldValue>();
        var merge = new SeriesMerge(type);
        for (var write : writes) {
            expected.put(write.timestamp(), write.value());
            merge.add(write.timestamp(), write.value());
        }

        var read = new TreeMap<Long, FieldValue>();
        long previousLast = Long.MIN_VALUE;
        for (var chunk : merge.chunks(maxPoints)) {
            assertThat(chunk.size()).isLessThanOrEqualTo(maxPoints);
            assertThat(chunk.firstTimestamp()).isGreaterThan(previousLast);
            previousLast = chunk.lastTimestamp();
            var decoded = ChunkCodec.decode(ChunkCodec.encode(chunk));
            for (int i = 0; i < decoded.size(); i++) {
                assertThat(read.put(decoded.timestamps()[i], decoded.value(i))).isNull();
            }
        }
        assertThat(read).isEqualTo(expected);
    }

    @Property(tries = 100)
    void a_chunk_merged_with_newer_writes_takes_the_newer_value_for_a_shared_timestamp(
            @ForAll("chunks") ChunkPoints older, @ForAll @IntRange(min = 0, max = 50) int pick) {
        int index = pick % older.size();
        long timestamp = older.timestamps()[index];
        var newer = switch (older.type()) {
            case FLOAT -> new FieldValue.FloatValue(-0.0);
            case INTEGER -> new FieldValue.IntegerValue(Long.MIN_VALUE);
            case UNSIGNED -> new FieldValue.UnsignedValue(-1L);
            case BOOLEAN -> FieldValue.BooleanValue.of(older.bits()[index] == 0);
            case STRING -> new FieldValue.StringValue("newer " + older.strings()[index]);
        };

        var merged = new SeriesMerge(older.type()).addAll(older).add(timestamp, newer).chunks(ChunkCodec.MAX_POINTS);

        assertThat(merged).hasSize(1);
        var chunk = ChunkCodec.decode(ChunkCodec.encode(merged.getFirst()));
        assertThat(chunk.size()).isEqualTo(older.size());
        assertThat(chunk.value(index)).isEqualTo(newer);
    }

    @Example
    void integer_and_unsigned_bounds_and_extreme_floats_come_back_exactly() {
        long[] times = {MIN_NS, -1, 0, 1, MAX_NS};
        long[] integers = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE};
        double[] floats = {-0.0, Double.MIN_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE, Double.MIN_NORMAL};
        long[] floatBits = Arrays.stream(floats).mapToLong(Double::doubleToRawLongBits).toArray();

        for (var points : List.of(new ChunkPoints(FieldType.INTEGER, times, integers, null),
                new ChunkPoints(FieldType.UNSIGNED, times, integers, null),
                new ChunkPoints(FieldType.FLOAT, times, floatBits, null))) {
            assertThat(ChunkCodec.decode(ChunkCodec.encode(points))).isEqualTo(points);
        }
        var unsigned = ChunkCodec.decode(ChunkCodec.encode(new ChunkPoints(FieldType.UNSIGNED, times, integers, null)));
        assertThat(unsigned.value(0)).hasToString("9223372036854775808");
        assertThat(unsigned.value(1)).hasToString("18446744073709551615");
        var negativeZero = ChunkCodec.decode(ChunkCodec.encode(new ChunkPoints(FieldType.FLOAT, times, floatBits, null)));
        assertThat(Double.doubleToRawLongBits(((FieldValue.FloatValue) negativeZero.value(0)).value()))
                .isEqualTo(Double.doubleToRawLongBits(-0.0));
    }

    @Example
    void a_regular_float_series_takes_well_under_four_bytes_a_point() {
        int n = 360;
        var times = new long[n];
        var bits = new long[n];
        for (int i = 0; i < n; i++) {
            times[i] = 1_700_000_000_000_000_000L + i * 10_000_000_000L;
            bits[i] = Double.doubleToRawLongBits(Math.round(50 + 10 * Math.sin(i / 30.0)) / 2.0);
        }

        byte[] chunk = ChunkCodec.encode(new ChunkPoints(FieldType.FLOAT, times, bits, null));

        assertThat(chunk.length).isLessThan(n * 2);
    }

    @Example
    void bytes_that_are_not_a_chunk_are_refused_with_a_format_error() {
        byte[] chunk = ChunkCodec.encode(new ChunkPoints(FieldType.INTEGER, new long[] {1, 2}, new long[] {5, 6}, null));
        byte[] newerVersion = chunk.clone();
        newerVersion[0] = 2;
        byte[] truncated = Arrays.copyOf(chunk, chunk.length - 1);
        byte[] trailing = Arrays.copyOf(chunk, chunk.length + 1);

        assertThatThrownBy(() -> ChunkCodec.decode(newerVersion)).isInstanceOf(ChunkFormatException.class).hasMessageContaining("version 2");
        assertThatThrownBy(() -> ChunkCodec.decode(truncated)).isInstanceOf(ChunkFormatException.class);
        assertThatThrownBy(() -> ChunkCodec.decode(trailing)).isInstanceOf(ChunkFormatException.class);
        assertThatThrownBy(() -> ChunkCodec.decode(new byte[0])).isInstanceOf(ChunkFormatException.class);
        // A timestamp section one byte longer than its bits (T = 9 for one 64-bit timestamp), an
        // integer 5 after it: the extra byte is not skipped over.
        byte[] paddedTimestamps = {1, 2, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, 0x0A};
        byte[] exact = {1, 2, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0x0A};
        assertThat(ChunkCodec.decode(exact)).isEqualTo(new ChunkPoints(FieldType.INTEGER, new long[] {0}, new long[] {5}, null));
        assertThatThrownBy(() -> ChunkCodec.decode(paddedTimestamps)).isInstanceOf(ChunkFormatException.class)
                .hasMessageContaining("follow the chunk's last timestamp");
    }

    @Example
    void points_out_of_order_or_repeated_are_not_a_chunk() {
        assertThatThrownBy(() -> new ChunkPoints(FieldType.INTEGER, new long[] {2, 1}, new long[] {0, 0}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strictly ascending");
        assertThatThrownBy(() -> new ChunkPoints(FieldType.INTEGER, new long[] {1, 1}, new long[] {0, 0}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strictly ascending");
        assertThatThrownBy(() -> new ChunkPoints(FieldType.BOOLEAN, new long[] {1}, new long[ChunkCodec.MAX_POINTS + 1], null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Provide
    Arbitrary<ChunkPoints> chunks() {
        return Arbitraries.of(FieldType.class).flatMap(type -> Combinators.combine(timestamps(), Arbitraries.integers().between(0, 3))
                .flatAs((times, shape) -> values(type).list().ofSize(times.length).map(list -> {
                    var values = list.toArray(FieldValue[]::new);
                    return ChunkPoints.of(type, times, values);
                })));
    }

    @Provide
    Arbitrary<List<Long>> writeTimes() {
        Arbitrary<Long> near = Arbitraries.longs().between(0, 40).map(t -> 1_000L + t * 10);
        Arbitrary<Long> any = Arbitraries.longs().between(MIN_NS, MAX_NS);
        return Arbitraries.frequencyOf(Tuple.of(8, near), Tuple.of(1, any)).list().ofMinSize(1).ofMaxSize(400)
                .edgeCases(edges -> edges.add(List.of(MIN_NS, MAX_NS, MIN_NS)));
    }

    // Strictly ascending timestamps of four shapes: regular, jittered, random, and the extremes.
    private static Arbitrary<long[]> timestamps() {
        Arbitrary<long[]> regular = Combinators.combine(Arbitraries.longs().between(-1L << 62, 1L << 62),
                Arbitraries.longs().between(1, 60_000_000_000L), Arbitraries.integers().between(1, 2_000))
                .as((start, step, n) -> {
                    var ts = new long[n];
                    for (int i = 0; i < n; i++) {
                        ts[i] = start + i * step;
                    }
                    return ts;
                });
        Arbitrary<long[]> jittered = Combinators.combine(regular, Arbitraries.longs().between(0, 3_000_000L))
                .as((base, jitter) -> {
                    var ts = base.clone();
                    for (int i = 1; i < ts.length; i++) {
                        long wanted = ts[i] + (i * 7919L % (jitter + 1));
                        ts[i] = Math.max(ts[i - 1] + 1, wanted);
                    }
                    return ts;
                });
        Arbitrary<long[]> random = Arbitraries.longs().between(MIN_NS, MAX_NS).set().ofMinSize(1).ofMaxSize(300)
                .map(set -> set.stream().mapToLong(Long::longValue).sorted().toArray());
        Arbitrary<long[]> extremes = Arbitraries.of(new long[] {MIN_NS}, new long[] {MAX_NS}, new long[] {MIN_NS, MAX_NS},
                new long[] {MIN_NS, 0, MAX_NS}, new long[] {MIN_NS, MIN_NS + 1, MAX_NS - 1, MAX_NS});
        return Arbitraries.oneOf(regular, jittered, random, extremes);
    }

    private static Arbitrary<FieldValue> values(FieldType type) {
        return switch (type) {
            case FLOAT -> Arbitraries.oneOf(
                    Arbitraries.doubles().ofScale(2).between(-1000, 1000),
                    Arbitraries.of(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE,
                            -Double.MAX_VALUE, 1e-310, Math.PI),
                    Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite))
                    .map(FieldValue.FloatValue::new);
            case INTEGER -> Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(-100, 100),
                    Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L)).map(FieldValue.IntegerValue::new);
            case UNSIGNED -> Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.longs().between(0, 100),
                    Arbitraries.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE)).map(FieldValue.UnsignedValue::new);
            case BOOLEAN -> Arbitraries.oneOf(Arbitraries.of(true, false), Arbitraries.just(true)).map(FieldValue.BooleanValue::of);
            case STRING -> Arbitraries.oneOf(Arbitraries.of("ok", "warn", "", "é ✓ 😀"),
                    Arbitraries.strings().ofMaxLength(40).filter(s -> s.chars().noneMatch(c -> c == 0)))
                    .map(FieldValue.StringValue::new);
        };
    }
}
