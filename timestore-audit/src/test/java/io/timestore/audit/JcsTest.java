package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.canonical.CanonicalOutput;
import io.timestore.audit.canonical.Jcs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JcsTest {
    private final ObjectMapper json = new ObjectMapper();

    // The IEEE-754 to text vectors of RFC 8785 Appendix B (bit patterns as hex).
    @ParameterizedTest(name = "{0} prints as {1}")
    @CsvSource({
            "0000000000000000, 0",
            "8000000000000000, 0",
            "0000000000000001, 5e-324",
            "8000000000000001, -5e-324",
            "7fefffffffffffff, 1.7976931348623157e+308",
            "ffefffffffffffff, -1.7976931348623157e+308",
            "4340000000000000, 9007199254740992",
            "c340000000000000, -9007199254740992",
            "4430000000000000, 295147905179352830000",
            "44b52d02c7e14af5, 9.999999999999997e+22",
            "44b52d02c7e14af6, 1e+23",
            "44b52d02c7e14af7, 1.0000000000000001e+23",
            "444b1ae4d6e2ef4e, 999999999999999700000",
            "444b1ae4d6e2ef4f, 999999999999999900000",
            "444b1ae4d6e2ef50, 1e+21",
            "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
            "3eb0c6f7a0b5ed8d, 0.000001",
            "41b3de4355555553, 333333333.3333332",
            "41b3de4355555554, 333333333.33333325",
            "41b3de4355555555, 333333333.3333333",
            "41b3de4355555556, 333333333.3333334",
            "41b3de4355555557, 333333333.33333343",
            "becbf647612f3696, -0.0000033333333333333333",
            "43143ff3c1cb0959, 1424953923781206.2"
    })
    void numbers_print_as_ecmascript_prints_them(String bits, String expected) {
        double value = Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16));

        assertThat(CanonicalOutput.formatNumber(value)).isEqualTo(expected);
    }

    @Test
    void object_members_are_sorted_by_utf16_code_units_and_strings_escaped_minimally() throws Exception {
        // From RFC 8785 §3.2.3 (sorting) and §3.2.2.2 (escaping): U+20AC and U+1F600 stay literal.
        var input = json.readTree("""
                {"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",
                 "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control\\u007f",
                 "\\u00f6": "Latin Small Letter O With Diaeresis", "esc": "\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f"}
                """);

        String canonical = new String(Jcs.canonicalize(input), StandardCharsets.UTF_8);

        assertThat(canonical).isEqualTo("{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"esc\":\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\","
                + "\"\u0080\":\"Control\u007f\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\","
                + "\"\ud83d\ude00\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}");
    }

    @Test
    void numbers_in_any_spelling_canonicalise_alike() throws Exception {
        var a = json.readTree("{\"n\": [1.0, 1e2, -0, 0.1, 1E-7, 100000000000000000000000]}");

        assertThat(new String(Jcs.canonicalize(a), StandardCharsets.UTF_8))
                .isEqualTo("{\"n\":[1,100,0,0.1,1e-7,1e+23]}");
    }
}
