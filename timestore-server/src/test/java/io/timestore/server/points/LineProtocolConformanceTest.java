package io.timestore.server.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.points.FieldValue.BooleanValue;
import io.timestore.server.points.FieldValue.FloatValue;
import io.timestore.server.points.FieldValue.IntegerValue;
import io.timestore.server.points.FieldValue.StringValue;
import io.timestore.server.points.FieldValue.UnsignedValue;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestReporter;

/**
 * InfluxData's own line-protocol cases (src/test/resources/conformance/lineprotocol, see its
 * README): every case whose expectation InfluxDB 2.x's parser meets ({@code v2_normative}) must
 * pass. The other cases record where the newer reference decoder differs from 2.x; they are run
 * and counted, not enforced.
 */
class LineProtocolConformanceTest {
    private static final long DEFAULT_TIME = 1_700_000_000_123_456_789L;
    private static List<JsonNode> cases;

    private final LineProtocolParser parser = new LineProtocolParser(Limits.DEFAULTS);

    @BeforeAll
    static void loadCorpus() throws IOException {
        var mapper = new ObjectMapper()
                .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        try (InputStream in = LineProtocolConformanceTest.class.getResourceAsStream("/conformance/lineprotocol/corpus.json")) {
            assertThat(in).as("corpus.json on the test classpath").isNotNull();
            cases = StreamSupport.stream(mapper.readTree(in).spliterator(), false).toList();
        }
    }

    @Test
    void corpus_has_the_273_normative_cases_its_readme_counts() {
        assertThat(cases).hasSize(296);
        assertThat(cases.stream().filter(c -> c.get("v2_normative").asBoolean())).hasSize(273);
    }

    @TestFactory
    @DisplayName("every InfluxDB 2.x normative case is accepted or rejected as 2.x does, with the same points")
    Stream<DynamicTest> normative_cases_behave_as_influxdb_2() {
        return cases.stream()
                .filter(c -> c.get("v2_normative").asBoolean())
                .map(c -> DynamicTest.dynamicTest(
                        (c.get("valid").asBoolean() ? "accepts " : "rejects ") + c.get("id").asText(),
                        () -> check(c)));
    }

    @Test
    void reference_decoder_cases_that_contradict_influxdb_2_are_only_counted(TestReporter reporter) {
        var agree = new ArrayList<String>();
        var differ = new ArrayList<String>();
        cases.stream().filter(c -> !c.get("v2_normative").asBoolean()).forEach(c -> {
            try {
                check(c);
                agree.add(c.get("id").asText());
            } catch (AssertionError e) {
                differ.add(c.get("id").asText());
            }
        });
        reporter.publishEntry("non-normative cases agreeing with the reference decoder",
                "%d of %d".formatted(agree.size(), agree.size() + differ.size()));
        assertThat(agree.size() + differ.size()).isEqualTo(23);
    }

    @Test
    void cases_flagged_as_field_type_conflicts_are_detected_and_no_other_valid_case_is() {
        cases.stream()
                .filter(c -> c.get("v2_normative").asBoolean() && c.get("valid").asBoolean())
                .forEach(c -> {
                    Batch batch = parse(c);
                    boolean flagged = c.path("field_type_conflict_in_batch").asBoolean(false);
                    assertThat(batch.typeConflicts().isEmpty()).as(c.get("id").asText()).isEqualTo(!flagged);
                });
    }

    private Batch parse(JsonNode c) {
        byte[] body = Base64.getDecoder().decode(c.get("input_base64").asText());
        return parser.parse(body, Precision.parse(c.get("precision").asText()), DEFAULT_TIME);
    }

    private void check(JsonNode c) {
        if (!c.get("valid").asBoolean()) {
            assertThatThrownBy(() -> parse(c))
                    .as("expected the body to be rejected")
                    .isInstanceOfSatisfying(LineProtocolException.class, e -> {
                        assertThat(e.reason()).isEqualTo(LineProtocolException.Reason.MALFORMED);
                        assertThat(e.errors()).isNotEmpty();
                    });
            return;
        }
        Batch batch;
        try {
            batch = parse(c);
        } catch (LineProtocolException e) {
            throw new AssertionError("expected the body to be accepted, got: " + e.errors(), e);
        }
        JsonNode expectedPoints = c.get("points");
        if (expectedPoints == null) {
            return;
        }
        assertThat(batch.points()).as("number of points").hasSize(expectedPoints.size());
        Precision precision = Precision.parse(c.get("precision").asText());
        for (int i = 0; i < expectedPoints.size(); i++) {
            checkPoint(expectedPoints.get(i), batch.points().get(i), precision);
        }
    }

    private static void checkPoint(JsonNode expected, Point actual, Precision precision) {
        if (expected.has("measurement")) {
            assertThat(actual.measurement()).as("measurement").isEqualTo(expected.get("measurement").asText());
        }
        if (expected.has("tags")) {
            var tags = new TreeMap<String, String>();
            expected.get("tags").properties().forEach(e -> tags.put(e.getKey(), e.getValue().asText()));
            assertThat(actual.tagMap()).as("tags").isEqualTo(tags);
        }
        if (expected.has("fields")) {
            Map<String, FieldValue> fields = actual.fieldMap();
            assertThat(fields.keySet()).as("field keys")
                    .containsExactlyInAnyOrderElementsOf(expected.get("fields").propertyStream().map(Map.Entry::getKey).toList());
            expected.get("fields").properties().forEach(e -> checkField(e.getKey(), e.getValue(), fields.get(e.getKey())));
        }
        if (expected.has("time_ns")) {
            JsonNode time = expected.get("time_ns");
            long expectedTime = time.isNull() ? precision.truncate(DEFAULT_TIME) : time.bigIntegerValue().longValueExact();
            assertThat(actual.timestampNanos()).as("time_ns").isEqualTo(expectedTime);
        }
    }

    private static void checkField(String key, JsonNode expected, FieldValue actual) {
        assertThat(actual.type().lowercaseName()).as("type of field " + key).isEqualTo(expected.get("type").asText());
        JsonNode value = expected.get("value");
        if (value == null) {
            return;
        }
        switch (actual) {
            case FloatValue f -> {
                double wanted = value.decimalValue().doubleValue();
                if (wanted == 0) {
                    assertThat(f.value()).as("value of " + key).isZero();
                } else {
                    assertThat(f.value()).as("value of " + key).isEqualTo(wanted);
                }
            }
            case IntegerValue i -> assertThat(BigInteger.valueOf(i.value())).as("value of " + key).isEqualTo(value.bigIntegerValue());
            case UnsignedValue u -> assertThat(u.toBigInteger()).as("value of " + key).isEqualTo(value.bigIntegerValue());
            case BooleanValue b -> assertThat(b.value()).as("value of " + key).isEqualTo(value.asBoolean());
            case StringValue s -> assertThat(s.value()).as("value of " + key).isEqualTo(value.asText());
            default -> fail("unexpected value " + actual);
        }
    }
}
