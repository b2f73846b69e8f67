package io.timestore.server.ingest;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.points.FieldValue;
import io.timestore.server.points.FieldValue.BooleanValue;
import io.timestore.server.points.FieldValue.FloatValue;
import io.timestore.server.points.FieldValue.IntegerValue;
import io.timestore.server.points.FieldValue.StringValue;
import io.timestore.server.points.FieldValue.UnsignedValue;
import io.timestore.server.points.Point;
import io.timestore.server.points.Rfc3339;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * InfluxData's own line-protocol cases (src/test/resources/conformance/lineprotocol, see its
 * README): every case whose expectation InfluxDB 2.x's parser meets ({@code v2_normative}) must
 * pass. The other cases record where the newer reference decoder differs from 2.x; they are run
 * and counted, not enforced by the parser tests.
 *
 * <p>Every case of the corpus, normative or not, is also written over HTTP
 * ({@code POST /api/v2/write}) into a dataset of its own and read back with the query route: no
 * input ever gets a 5xx, a rejected body writes nothing, and an accepted one reads back exactly
 * what the parser made of it, each point also found by a query whose start and end name its own
 * instant (RFC 3339 and int64 nanoseconds).
 */
class LineProtocolConformanceTest {
    private static final long DEFAULT_TIME = 1_700_000_000_123_456_789L;
    private static final long OTHER_DEFAULT_TIME = 1_600_000_000_987_654_321L;
    private static final ObjectMapper EXACT = new ObjectMapper().enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
    private static final AtomicInteger DATASETS = new AtomicInteger();
    private static List<JsonNode> cases;

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

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
        server.tenant("acme");
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

    @TestFactory
    @DisplayName("every case written over HTTP: never a 5xx, nothing stored when refused, read back exactly when accepted")
    Stream<DynamicTest> every_case_written_over_http_is_refused_whole_or_reads_back_exactly() {
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.get("id").asText(), () -> writeAndReadBack(c)));
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

    /** One stored value as the query route returns it; {@code time} empty where the server chose it. */
    private record Stored(String measurement, Map<String, String> tags, String field, String type, String value,
                          Optional<Long> time) {
        Stored withoutTime() {
            return new Stored(measurement, tags, field, type, value, Optional.empty());
        }
    }

    private void writeAndReadBack(JsonNode c) {
        var id = c.get("id").asText();
        var dataset = "lp-conformance-" + DATASETS.incrementAndGet();
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(dataset), admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        byte[] body = Base64.getDecoder().decode(c.get("input_base64").asText());
        var precision = c.get("precision").asText();

        long before = System.currentTimeMillis() * 1_000_000L;
        var response = server.api().send(server.api()
                .request("/api/v2/write?org=acme&bucket=%s&precision=%s".formatted(dataset, precision),
                        bearer(server.tokens().user("acme", "writer")))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        long after = System.currentTimeMillis() * 1_000_000L;

        assertThat(response.statusCode()).as("%s: %s", id, response.body()).isLessThan(500);
        boolean normative = c.get("v2_normative").asBoolean();
        boolean conflict = c.path("field_type_conflict_in_batch").asBoolean(false);
        if (normative) {
            int expected = !c.get("valid").asBoolean() ? 400 : conflict ? 422 : 204;
            assertThat(response.statusCode()).as("%s: %s", id, response.body()).isEqualTo(expected);
        } else {
            assertThat(response.statusCode()).as("%s: %s", id, response.body()).isIn(204, 400);
        }
        var stored = readAll(dataset, "");
        if (response.statusCode() != 204) {
            assertThat(stored).as("%s wrote nothing", id).isEmpty();
            return;
        }
        var expected = expectedValues(body, Precision.parse(precision));
        var unmatched = new ArrayList<>(stored);
        for (var value : expected) {
            // A value whose line had no timestamp was given the server's time, truncated to the precision.
            var found = unmatched.stream().filter(s -> s.withoutTime().equals(value.withoutTime()) && value.time()
                    .map(t -> s.time().equals(Optional.of(t)))
                    .orElseGet(() -> s.time().get() >= Precision.parse(precision).truncate(before) && s.time().get() <= after))
                    .findFirst();
            assertThat(found).as("%s: %s read back among %s", id, value, stored).isPresent();
            unmatched.remove(found.get());
        }
        assertThat(unmatched).as("%s: values read back that were not written", id).isEmpty();
        checkCorpusPoints(c, stored);
        for (long time : expected.stream().flatMap(e -> e.time().stream()).distinct().toList()) {
            long count = expected.stream().filter(e -> e.time().equals(Optional.of(time))).count();
            assertThat(readAll(dataset, "start=%s&end=%s".formatted(Rfc3339.format(time), Rfc3339.format(time + 1))))
                    .as("%s: the points at %s, read with RFC 3339 bounds", id, Rfc3339.format(time)).hasSize((int) count);
            assertThat(readAll(dataset, "start=%d&end=%d".formatted(time, time + 1)))
                    .as("%s: the points at %d, read with int64 bounds", id, time).hasSize((int) count);
        }
    }

    /** Every value of the dataset (one page: the cases are small), through the query route. */
    private static List<Stored> readAll(String dataset, String range) {
        ApiResponse response = server.api().get("/storage/v1/datasets/%s/query?epoch=ns%s".formatted(dataset, range.isEmpty() ? "" : "&" + range),
                bearer(server.tokens().user("acme", "reader")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode json;
        try {
            json = EXACT.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(response.body(), e);
        }
        assertThat(json.has("next_cursor")).isFalse();
        var stored = new ArrayList<Stored>();
        for (JsonNode series : json.get("series")) {
            var tags = new TreeMap<String, String>();
            series.get("tags").properties().forEach(e -> tags.put(e.getKey(), e.getValue().asText()));
            var type = series.get("type").asText();
            for (JsonNode point : series.get("points")) {
                var value = point.get(1);
                var text = switch (type) {
                    case "float" -> Double.toString(value.doubleValue());
                    case "integer", "unsigned" -> value.bigIntegerValue().toString();
                    case "boolean" -> Boolean.toString(value.booleanValue());
                    default -> value.textValue();
                };
                stored.add(new Stored(series.get("measurement").asText(), tags, series.get("field").asText(), type, text,
                        Optional.of(point.get(0).longValue())));
            }
        }
        return stored;
    }

    /**
     * What the server's parser makes of the body, one value per series, field and time (the last
     * written wins). Parsed twice with different default times: a point whose time differs
     * between the two had none in the body, so the server chose it.
     */
    private List<Stored> expectedValues(byte[] body, Precision precision) {
        var once = parser.parse(body, precision, DEFAULT_TIME).points();
        var twice = parser.parse(body, precision, OTHER_DEFAULT_TIME).points();
        var values = new LinkedHashMap<List<Object>, Stored>();
        for (int i = 0; i < once.size(); i++) {
            var point = once.get(i);
            var time = point.timestampNanos() == twice.get(i).timestampNanos()
                    ? Optional.of(point.timestampNanos()) : Optional.<Long>empty();
            for (var field : point.fields()) {
                var value = switch (field.value()) {
                    case FloatValue f -> Double.toString(f.value());
                    case IntegerValue n -> Long.toString(n.value());
                    case UnsignedValue u -> u.toBigInteger().toString();
                    case BooleanValue b -> Boolean.toString(b.value());
                    case StringValue s -> s.value();
                    default -> throw new AssertionError("unexpected value " + field.value());
                };
                var stored = new Stored(point.measurement(), point.tagMap(), field.key(), field.type().lowercaseName(), value, time);
                values.remove(List.of(point.measurement(), point.tagMap(), field.key(), time));
                values.put(List.of(point.measurement(), point.tagMap(), field.key(), time), stored);
            }
        }
        return List.copyOf(values.values());
    }

    /** The corpus's own expectations (where it states them) hold for what was read back. */
    private static void checkCorpusPoints(JsonNode c, List<Stored> stored) {
        JsonNode points = c.get("points");
        if (points == null) {
            return;
        }
        for (JsonNode point : points) {
            if (!point.has("fields")) {
                continue;
            }
            point.get("fields").properties().forEach(field -> {
                var matching = stored.stream().filter(s -> s.field().equals(field.getKey())
                        && (!point.has("measurement") || s.measurement().equals(point.get("measurement").asText()))
                        && (!point.has("tags") || s.tags().equals(tagsOf(point.get("tags"))))
                        && (!point.has("time_ns") || point.get("time_ns").isNull()
                                || s.time().equals(Optional.of(point.get("time_ns").bigIntegerValue().longValueExact())))
                        && s.type().equals(field.getValue().get("type").asText())).toList();
                assertThat(matching).as("%s: field %s of %s", c.get("id").asText(), field.getKey(), point).isNotEmpty();
            });
        }
    }

    private static Map<String, String> tagsOf(JsonNode tags) {
        var map = new HashMap<String, String>();
        tags.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return new TreeMap<>(map);
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
