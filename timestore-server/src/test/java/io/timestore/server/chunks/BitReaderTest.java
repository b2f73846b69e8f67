package io.timestore.server.chunks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The bit reader gives back what the bit writer wrote, whatever the widths (a buffer of the next
 * 64 bits is topped up a byte at a time, so reads of 57 to 64 bits straddle a top-up), and never
 * reads a byte of the array past its stream's end.
 */
class BitReaderTest {
    /** One write: the low {@code width} bits of {@code value}. */
    record Field(long value, int width) {
        long expected() {
            return width == 64 ? value : value & ((1L << width) - 1);
        }
    }

    @Property(tries = 500)
    void every_field_comes_back_as_written_and_the_stream_ends_at_its_last_byte(@ForAll("fields") List<Field> fields,
                                                                                @ForAll @IntRange(max = 9) int before,
                                                                                @ForAll @IntRange(max = 9) int after) {
        var out = new ByteWriter(16);
        var bits = new BitWriter(out);
        for (var field : fields) {
            bits.write(field.value(), field.width());
        }
        bits.flush();
        byte[] stream = out.toByteArray();
        // The stream among other bytes, as a section of a chunk is: the reader must keep to its own.
        byte[] array = new byte[before + stream.length + after];
        Arrays.fill(array, (byte) 0xA5);
        System.arraycopy(stream, 0, array, before, stream.length);

        var reader = new BitReader(array, before, before + stream.length);
        for (var field : fields) {
            assertThat(reader.read(field.width())).as("%d bits", field.width()).isEqualTo(field.expected());
        }
        assertThat(reader.endOfStream()).isEqualTo(before + stream.length);
        int padding = (int) (8L * stream.length - fields.stream().mapToInt(Field::width).sum());
        assertThat(reader.read(padding)).as("the padding").isZero();
        assertThatThrownBy(() -> reader.read(1)).isInstanceOf(ChunkFormatException.class);
    }

    @Example
    void a_read_past_the_streams_end_fails_though_the_array_goes_on() {
        byte[] array = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        assertThatThrownBy(() -> new BitReader(array, 0, 2).read(17)).isInstanceOf(ChunkFormatException.class);
        var reader = new BitReader(array, 1, 3);
        assertThat(reader.read(16)).isEqualTo(0xFFFFL);
        assertThatThrownBy(reader::readBit).isInstanceOf(ChunkFormatException.class);
        assertThat(new BitReader(array, 0, 4).read(0)).isZero();
    }

    @Provide
    Arbitrary<List<Field>> fields() {
        Arbitrary<Field> field = Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(0, 64)).as(Field::new);
        return field.list().ofMinSize(1).ofMaxSize(40);
    }
}
