package io.timestore.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.points.FieldValue;
import io.timestore.server.points.Point;
import io.timestore.server.points.Rfc3339;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.problems.ProblemType;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The JSON ingestion format (docs/data-plane.md):
 * {@code {"points": [{"measurement": "cpu", "tags": {"host": "h1"}, "fields": {"usage": 0.5}, "time": "..."}]}}.
 * A field value is a JSON number (integral = integer, with a fraction or exponent = float), a
 * boolean, a string, or an explicit {@code {"type": "float|integer|unsigned|boolean|string", "value": ...}}.
 * {@code time} is RFC 3339 with up to nine fractional digits or int64 nanoseconds; absent, the
 * server's time. All or nothing: any bad item fails the whole batch with a pointer to it.
 */
final class JsonPoints {
    private static final Set<String> POINT_MEMBERS = Set.of("measurement", "tags", "fields", "time");
    private static final Set<String> RESERVED_TAGS = Set.of("_measurement", "_field");
    private static final BigInteger MAX_UNSIGNED = new BigInteger("18446744073709551615");

    private final int maxPoints;

    JsonPoints(int maxPoints) {
        this.maxPoints = maxPoints;
    }

    /** The batch of {@code body}; its points' "lines" are their 1-based positions in the array. */
    Batch parse(JsonNode body, long defaultTimeNanos) {
        var list = body.get("points");
        var errors = new ArrayList<FieldError>();
        body.fieldNames().forEachRemaining(name -> {
            if (!name.equals("points")) {
                errors.add(FieldError.at("/" + name, "unknown member; expected points"));
            }
        });
        if (list == null || !list.isArray()) {
            errors.add(FieldError.at("/points", "required: an array of points"));
            throw invalid(errors);
        }
        if (list.size() > maxPoints) {
            throw new InvalidRequest(ProblemType.PAYLOAD_TOO_LARGE,
                    "too many points: %d in the request, at most %d per request".formatted(list.size(), maxPoints));
        }
        var points = new ArrayList<Point>(list.size());
        for (int i = 0; i < list.size() && errors.size() < 100; i++) {
            point(list.get(i), "/points/" + i, defaultTimeNanos, errors).ifPresent(points::add);
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        var lines = new int[points.size()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = i + 1;
        }
        return Batch.of(points, lines);
    }

    private static InvalidRequest invalid(List<FieldError> errors) {
        return new InvalidRequest("%d problem%s in the points batch; nothing was written; first: %s %s".formatted(
                errors.size(), errors.size() == 1 ? "" : "s", errors.getFirst().pointer(), errors.getFirst().detail()), errors);
    }

    private static Optional<Point> point(JsonNode item, String at, long defaultTime, List<FieldError> errors) {
        if (!item.isObject()) {
            errors.add(FieldError.at(at, "must be an object with measurement, tags, fields and time"));
            return Optional.empty();
        }
        int before = errors.size();
        item.fieldNames().forEachRemaining(name -> {
            if (!POINT_MEMBERS.contains(name)) {
                errors.add(FieldError.at(at + "/" + escape(name), "unknown member; expected measurement, tags, fields, time"));
            }
        });
        var measurement = item.path("measurement");
        if (!measurement.isTextual() || measurement.asText().isEmpty() || measurement.asText().length() > 65_535) {
            errors.add(FieldError.at(at + "/measurement", "required: a non-empty string"));
        } else {
            unstorable(measurement.asText()).ifPresent(problem -> errors.add(FieldError.at(at + "/measurement", problem)));
        }
        var tags = tags(item.get("tags"), at + "/tags", errors);
        var fields = fields(item.get("fields"), at + "/fields", errors);
        long time = time(item.get("time"), at + "/time", defaultTime, errors);
        if (errors.size() > before) {
            return Optional.empty();
        }
        return Optional.of(Point.of(measurement.asText(), tags, fields, time));
    }

    private static Map<String, String> tags(JsonNode json, String at, List<FieldError> errors) {
        var tags = new TreeMap<String, String>();
        if (json == null || json.isNull()) {
            return tags;
        }
        if (!json.isObject()) {
            errors.add(FieldError.at(at, "must be an object of string tag values"));
            return tags;
        }
        json.properties().forEach(entry -> {
            var key = entry.getKey();
            var pointer = at + "/" + escape(key);
            if (key.isEmpty() || RESERVED_TAGS.contains(key)) {
                errors.add(FieldError.at(pointer, "tag keys must be non-empty and not _measurement or _field"));
            } else if (!entry.getValue().isTextual() || entry.getValue().asText().isEmpty()) {
                errors.add(FieldError.at(pointer, "a tag value must be a non-empty string"));
            } else if (unstorable(key).or(() -> unstorable(entry.getValue().asText())).isPresent()) {
                errors.add(FieldError.at(pointer, unstorable(key).or(() -> unstorable(entry.getValue().asText())).get()));
            } else {
                tags.put(key, entry.getValue().asText());
            }
        });
        return tags;
    }

    private static Map<String, FieldValue> fields(JsonNode json, String at, List<FieldError> errors) {
        var fields = new LinkedHashMap<String, FieldValue>();
        if (json == null || !json.isObject() || json.isEmpty()) {
            errors.add(FieldError.at(at, "required: an object with at least one field"));
            return fields;
        }
        json.properties().forEach(entry -> {
            var pointer = at + "/" + escape(entry.getKey());
            if (entry.getKey().isEmpty()) {
                errors.add(FieldError.at(pointer, "field keys must be non-empty"));
                return;
            }
            var badKey = unstorable(entry.getKey());
            if (badKey.isPresent()) {
                errors.add(FieldError.at(pointer, badKey.get()));
                return;
            }
            value(entry.getValue(), pointer, errors).ifPresent(value -> fields.put(entry.getKey(), value));
        });
        return fields;
    }

    /** A field value: plain JSON (integral number = integer) or {"type": ..., "value": ...}. */
    static Optional<FieldValue> value(JsonNode json, String at, List<FieldError> errors) {
        if (json.isObject()) {
            return typed(json, at, errors);
        }
        if (json.isBoolean()) {
            return Optional.of(FieldValue.BooleanValue.of(json.booleanValue()));
        }
        if (json.isTextual()) {
            return string(json.asText(), at, errors);
        }
        if (json.isIntegralNumber()) {
            return integer(json, at, errors);
        }
        if (json.isNumber()) {
            return floating(json, at, errors);
        }
        errors.add(FieldError.at(at, "a field value is a number, boolean, string or {\"type\": ..., \"value\": ...}"));
        return Optional.empty();
    }

    private static Optional<FieldValue> typed(JsonNode json, String at, List<FieldError> errors) {
        var type = json.path("type").asText("");
        var value = json.get("value");
        if (json.size() != 2 || value == null) {
            errors.add(FieldError.at(at, "a typed value is exactly {\"type\": ..., \"value\": ...}"));
            return Optional.empty();
        }
        return switch (type) {
            case "float" -> value.isNumber() ? floating(value, at + "/value", errors) : wrong(at, "a number", errors);
            case "integer" -> value.isIntegralNumber() || isDigits(value) ? integer(value, at + "/value", errors)
                    : wrong(at, "an integer", errors);
            case "unsigned" -> value.isIntegralNumber() || isDigits(value) ? unsigned(value, at + "/value", errors)
                    : wrong(at, "an unsigned integer", errors);
            case "boolean" -> value.isBoolean() ? Optional.of(FieldValue.BooleanValue.of(value.booleanValue()))
                    : wrong(at, "true or false", errors);
            case "string" -> value.isTextual() ? string(value.asText(), at + "/value", errors) : wrong(at, "a string", errors);
            default -> {
                errors.add(FieldError.at(at + "/type", "must be float, integer, unsigned, boolean or string"));
                yield Optional.empty();
            }
        };
    }

    private static boolean isDigits(JsonNode value) {
        return value.isTextual() && value.asText().matches("-?\\d{1,20}");
    }

    private static Optional<FieldValue> wrong(String at, String expected, List<FieldError> errors) {
        errors.add(FieldError.at(at + "/value", "must be " + expected + " for this type"));
        return Optional.empty();
    }

    private static Optional<FieldValue> floating(JsonNode json, String at, List<FieldError> errors) {
        double value = json.doubleValue();
        if (!Double.isFinite(value)) {
            errors.add(FieldError.at(at, "a float must be finite (within float64 range)"));
            return Optional.empty();
        }
        return Optional.of(new FieldValue.FloatValue(value));
    }

    private static Optional<FieldValue> integer(JsonNode json, String at, List<FieldError> errors) {
        var value = json.isTextual() ? new BigInteger(json.asText()) : json.bigIntegerValue();
        if (value.bitLength() > 63) {
            errors.add(FieldError.at(at, "an integer must fit in int64; use {\"type\": \"unsigned\", ...} or a float"));
            return Optional.empty();
        }
        return Optional.of(new FieldValue.IntegerValue(value.longValue()));
    }

    private static Optional<FieldValue> unsigned(JsonNode json, String at, List<FieldError> errors) {
        var value = json.isTextual() ? new BigInteger(json.asText()) : json.bigIntegerValue();
        if (value.signum() < 0 || value.compareTo(MAX_UNSIGNED) > 0) {
            errors.add(FieldError.at(at, "an unsigned integer must be in 0..18446744073709551615"));
            return Optional.empty();
        }
        return Optional.of(FieldValue.UnsignedValue.of(value));
    }

    private static long time(JsonNode json, String at, long defaultTime, List<FieldError> errors) {
        if (json == null || json.isNull()) {
            return defaultTime;
        }
        Optional<Long> parsed = Optional.empty();
        if (json.isIntegralNumber() && json.canConvertToLong()) {
            parsed = Optional.of(json.longValue());
        } else if (json.isTextual()) {
            parsed = Rfc3339.parse(json.asText());
        }
        if (parsed.isEmpty()) {
            errors.add(FieldError.at(at, "must be RFC 3339 with up to 9 fractional digits or int64 nanoseconds since the epoch"));
            return 0;
        }
        if (parsed.get() < Point.MIN_TIME_NANOS || parsed.get() > Point.MAX_TIME_NANOS) {
            errors.add(FieldError.at(at, "must be from %d (%s) to %d (%s), the range of line protocol".formatted(
                    Point.MIN_TIME_NANOS, Rfc3339.format(Point.MIN_TIME_NANOS), Point.MAX_TIME_NANOS, Rfc3339.format(Point.MAX_TIME_NANOS))));
            return 0;
        }
        return parsed.get();
    }

    private static Optional<FieldValue> string(String text, String at, List<FieldError> errors) {
        var problem = unstorable(text);
        if (problem.isPresent()) {
            errors.add(FieldError.at(at, problem.get()));
            return Optional.empty();
        }
        return Optional.of(new FieldValue.StringValue(text));
    }

    /**
     * Why PostgreSQL's text (and jsonb) cannot hold {@code text} as it is: a NUL character, or an
     * unpaired surrogate, which has no UTF-8 form (the driver would silently replace it). Line
     * protocol refuses the same (invalid UTF-8 and NUL bytes, see LineReader).
     */
    private static Optional<String> unstorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return Optional.of("must not contain NUL (U+0000), which cannot be stored");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of("must not contain an unpaired surrogate (\\u%04x), which is not Unicode text".formatted((int) c));
            }
        }
        return Optional.empty();
    }

    // A pointer names the member exactly (RFC 6901), except that a NUL, which no stored text (the
    // audit event of the refusal included) can hold, is shown as a backslash, u and four zeros.
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1").replace("\u0000", "\\u0000");
    }
}
