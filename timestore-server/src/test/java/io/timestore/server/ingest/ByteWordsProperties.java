package io.timestore.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The parser's eight-bytes-a-step scans give what a scan of one byte a step gives. */
class ByteWordsProperties {
    /** The bytes the scans look for, their neighbours in value, and bytes with the high bit set. */
    private static final byte[] ALPHABET = {'\n', '\\', '"', ' ', ',', '=', 'a', '0', '9', '/', ':', 0, 1, (byte) 0x80,
        (byte) 0x8A, (byte) 0xDC, (byte) 0xFF, 0x0B, '[', ']', '!', '#'};

    @Provide
    Arbitrary<byte[]> bodies() {
        return Arbitraries.of(toBoxed()).array(Byte[].class).ofMaxSize(40).map(ByteWordsProperties::unboxed);
    }

    @Property(tries = 5000)
    void a_plain_line_ends_where_a_byte_by_byte_scan_says(@ForAll("bodies") byte[] body, @ForAll("offsets") int from) {
        int pos = Math.min(from, body.length);

        assertThat(LineProtocolParser.plainLineEnd(body, pos, body.length)).isEqualTo(plainLineEndByteByByte(body, pos, body.length));
    }

    @Property(tries = 3000)
    void the_lowest_equal_byte_is_found_in_any_word(@ForAll("words") long word, @ForAll("alphabet") byte value) {
        int expected = -1;
        for (int k = 0; k < Long.BYTES; k++) {
            if ((byte) (word >>> (8 * k)) == value) {
                expected = k;
                break;
            }
        }
        long mask = ByteWords.lowestEqual(word, value);

        assertThat(mask == 0 ? -1 : ByteWords.position(mask)).isEqualTo(expected);
    }

    @Property(tries = 3000)
    void eight_digits_are_recognised_and_valued_as_a_decimal_number(@ForAll("words") long word) {
        var text = new byte[Long.BYTES];
        boolean digits = true;
        for (int k = 0; k < Long.BYTES; k++) {
            text[k] = (byte) (word >>> (8 * k));
            digits &= text[k] >= '0' && text[k] <= '9';
        }

        assertThat(ByteWords.eightDigits(word)).isEqualTo(digits);
        if (digits) {
            assertThat(ByteWords.eightDigitsValue(word)).isEqualTo(Long.parseLong(new String(text, StandardCharsets.US_ASCII)));
        }
    }

    @Property(tries = 5000)
    void a_signed_decimal_of_any_length_parses_as_its_value_or_is_refused_when_out_of_range(@ForAll("decimals") String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        var value = new BigInteger(text);

        if (value.bitLength() < Long.SIZE) {
            assertThat(NumberParser.parseLong(bytes, 0, bytes.length)).as(text).isEqualTo(value.longValueExact());
        } else {
            assertThatThrownBy(() -> NumberParser.parseLong(bytes, 0, bytes.length)).as(text).isInstanceOf(NumberFormatException.class);
        }
    }

    @Property(tries = 3000)
    void a_decimal_with_a_byte_that_is_no_digit_is_refused(@ForAll("decimals") String text, @ForAll("offsets") int at,
            @ForAll("alphabet") byte intruder) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        int k = at % bytes.length;
        if ((intruder >= '0' && intruder <= '9') || (k == 0 && intruder == '-')) {
            return; // still a number
        }
        bytes[k] = intruder;

        assertThatThrownBy(() -> NumberParser.parseLong(bytes, 0, bytes.length)).as(text).isInstanceOf(NumberFormatException.class);
    }

    @Provide
    Arbitrary<String> decimals() {
        var digits = Arbitraries.strings().withCharRange('0', '9').ofMinLength(1).ofMaxLength(25);
        var nearLimits = Arbitraries.of("9223372036854775807", "9223372036854775808", "-9223372036854775808",
                "-9223372036854775809", "999999999999999999", "1000000000000000000", "0009223372036854775807", "-0");
        return Arbitraries.oneOf(digits, digits.map(d -> "-" + d), nearLimits);
    }

    @Provide
    Arbitrary<Integer> offsets() {
        return Arbitraries.integers().between(0, 40);
    }

    @Provide
    Arbitrary<Byte> alphabet() {
        return Arbitraries.of(toBoxed());
    }

    @Provide
    Arbitrary<Long> words() {
        // Eight bytes of the alphabet, all digits, all digits but one (a near miss such as '/' or
        // ':'), or anything: each kind is common enough to be tried.
        var ofAlphabet = Arbitraries.of(toBoxed()).array(Byte[].class).ofSize(Long.BYTES).map(ByteWordsProperties::word);
        var digits = Arbitraries.bytes().between((byte) '0', (byte) '9').array(Byte[].class).ofSize(Long.BYTES);
        var ofDigits = digits.map(ByteWordsProperties::word);
        var nearMisses = Combinators.combine(digits, Arbitraries.of(toBoxed()), Arbitraries.integers().between(0, Long.BYTES - 1))
                .as((bytes, intruder, at) -> {
                    bytes[at] = intruder;
                    return word(bytes);
                });
        return Arbitraries.oneOf(ofAlphabet, ofDigits, nearMisses, Arbitraries.longs());
    }

    private static long word(Byte[] bytes) {
        long word = 0;
        for (int k = Long.BYTES - 1; k >= 0; k--) {
            word = word << 8 | (bytes[k] & 0xFF);
        }
        return word;
    }

    private static Byte[] toBoxed() {
        var boxed = new Byte[ALPHABET.length];
        for (int k = 0; k < ALPHABET.length; k++) {
            boxed[k] = ALPHABET[k];
        }
        return boxed;
    }

    private static byte[] unboxed(Byte[] boxed) {
        var bytes = new byte[boxed.length];
        for (int k = 0; k < boxed.length; k++) {
            bytes[k] = boxed[k];
        }
        return bytes;
    }

    private static int plainLineEndByteByByte(byte[] body, int pos, int end) {
        for (int i = pos; i < end; i++) {
            if (body[i] == '\n') {
                return i;
            }
            if (body[i] == '\\' || body[i] == '"') {
                return -1;
            }
        }
        return end;
    }
}
