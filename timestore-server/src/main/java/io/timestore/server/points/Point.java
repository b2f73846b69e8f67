package io.timestore.server.points;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One point: a series (measurement plus tag set), at least one field, and a timestamp in
 * nanoseconds since the Unix epoch (a line without a timestamp has already been given the
 * server's time by the parser).
 *
 * <p>Compact on purpose: {@code tags} is sorted by key (String order) with unique keys, and is
 * shared, not copied, by every point of the same series that one parse produced; {@code fields}
 * keeps line order with unique keys. Both lists are immutable ({@link List#copyOf} returns an
 * immutable list as it is, so the parser's lists are not copied again).
 *
 * <p>A point's time lies in [{@link #MIN_TIME_NANOS}, {@link #MAX_TIME_NANOS}], InfluxDB's range, so
 * a query's half-open range [start, end) can name every point's instant, the latest included.
 */
public record Point(String measurement, List<Tag> tags, List<Field> fields, long timestampNanos) {
    /** The earliest time a point may have: InfluxDB's models.MinNanoTime, 1677-09-21T00:12:43.145224194Z. */
    public static final long MIN_TIME_NANOS = Long.MIN_VALUE + 2;
    /** The latest time a point may have: InfluxDB's models.MaxNanoTime, 2262-04-11T23:47:16.854775806Z. */
    public static final long MAX_TIME_NANOS = Long.MAX_VALUE - 1;

    public Point {
        Objects.requireNonNull(measurement, "measurement");
        if (measurement.isEmpty()) {
            throw new IllegalArgumentException("measurement must not be empty");
        }
        tags = List.copyOf(tags);
        fields = List.copyOf(fields);
        for (int i = 1; i < tags.size(); i++) {
            int order = tags.get(i - 1).key().compareTo(tags.get(i).key());
            if (order >= 0) {
                throw new IllegalArgumentException(order == 0
                        ? "duplicate tag key '%s'".formatted(tags.get(i).key())
                        : "tags must be sorted by key, found '%s' before '%s'".formatted(
                                tags.get(i - 1).key(), tags.get(i).key()));
            }
        }
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("a point needs at least one field (measurement '%s')".formatted(measurement));
        }
        requireUniqueFieldKeys(fields);
        if (timestampNanos < MIN_TIME_NANOS || timestampNanos > MAX_TIME_NANOS) {
            throw new IllegalArgumentException("time %d is outside [%d, %d]".formatted(timestampNanos, MIN_TIME_NANOS, MAX_TIME_NANOS));
        }
    }

    /** A point from maps, for callers that are not the parser: tags are sorted here, fields keep the map's order. */
    public static Point of(String measurement, Map<String, String> tags, Map<String, ? extends FieldValue> fields, long timestampNanos) {
        var sortedTags = new ArrayList<Tag>(tags.size());
        new TreeMap<>(tags).forEach((k, v) -> sortedTags.add(new Tag(k, v)));
        var fieldList = new ArrayList<Field>(fields.size());
        fields.forEach((k, v) -> fieldList.add(new Field(k, v)));
        return new Point(measurement, sortedTags, fieldList, timestampNanos);
    }

    /** The value of tag {@code key}, if the point has that tag. */
    public Optional<String> tag(String key) {
        for (Tag tag : tags) {
            if (tag.key().equals(key)) {
                return Optional.of(tag.value());
            }
        }
        return Optional.empty();
    }

    /** The value of field {@code key}, if the point has that field. */
    public Optional<FieldValue> field(String key) {
        for (Field field : fields) {
            if (field.key().equals(key)) {
                return Optional.of(field.value());
            }
        }
        return Optional.empty();
    }

    /** The tags as a new unmodifiable map, sorted by key. */
    public Map<String, String> tagMap() {
        var map = new TreeMap<String, String>();
        tags.forEach(t -> map.put(t.key(), t.value()));
        return Collections.unmodifiableSortedMap(map);
    }

    /** The fields as a new unmodifiable map in line order. */
    public Map<String, FieldValue> fieldMap() {
        var map = new LinkedHashMap<String, FieldValue>();
        fields.forEach(f -> map.put(f.key(), f.value()));
        return Collections.unmodifiableMap(map);
    }

    private static void requireUniqueFieldKeys(List<Field> fields) {
        int n = fields.size();
        if (n <= 16) { // quadratic but allocation-free for the usual handful of fields
            for (int i = 1; i < n; i++) {
                String key = fields.get(i).key();
                for (int j = 0; j < i; j++) {
                    if (fields.get(j).key().equals(key)) {
                        throw new IllegalArgumentException("duplicate field key '%s'".formatted(key));
                    }
                }
            }
            return;
        }
        var seen = new HashSet<String>(n * 2);
        for (Field field : fields) {
            if (!seen.add(field.key())) {
                throw new IllegalArgumentException("duplicate field key '%s'".formatted(field.key()));
            }
        }
    }
}
