package io.timestore.server.ingest;

import io.timestore.server.points.Field;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.Point;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The points of one accepted line-protocol body, in body order, each with the line it came from.
 * Immutable and thread-safe.
 */
public final class Batch {
    /** {@link #typeConflicts()} reports at most this many conflicts. */
    public static final int MAX_REPORTED_CONFLICTS = 100;

    private final List<Point> points;
    private final int[] lines;

    Batch(List<Point> points, int[] lines) {
        this.points = Collections.unmodifiableList(points);
        this.lines = lines;
    }

    /** The points in body order. */
    public List<Point> points() {
        return points;
    }

    public int size() {
        return points.size();
    }

    public boolean isEmpty() {
        return points.isEmpty();
    }

    /** The 1-based line of point {@code index}. */
    public int lineOf(int index) {
        return lines[Objects.checkIndex(index, points.size())];
    }

    /**
     * The type each measurement's fields have in this batch (the first type seen), for checking
     * against what storage already holds: measurement -> field -> type, in first-seen order.
     */
    public Map<String, Map<String, FieldType>> fieldTypes() {
        var types = new LinkedHashMap<String, Map<String, FieldType>>();
        for (Point point : points) {
            var fields = types.computeIfAbsent(point.measurement(), m -> new LinkedHashMap<>());
            for (Field field : point.fields()) {
                fields.putIfAbsent(field.key(), field.type());
            }
        }
        return types;
    }

    /**
     * Fields that this batch writes with more than one type, one entry per (measurement, field,
     * conflicting type) at its first occurrence, at most {@value #MAX_REPORTED_CONFLICTS}; empty
     * when the batch is consistent. Computed on each call, in one pass over the fields.
     */
    public List<FieldTypeConflict> typeConflicts() {
        record First(FieldType type, int line) {}
        var first = new HashMap<String, Map<String, First>>();
        var conflicts = new ArrayList<FieldTypeConflict>();
        for (int i = 0; i < points.size(); i++) {
            Point point = points.get(i);
            var fields = first.computeIfAbsent(point.measurement(), m -> new HashMap<>());
            for (Field field : point.fields()) {
                First seen = fields.putIfAbsent(field.key(), new First(field.type(), lines[i]));
                if (seen != null && seen.type() != field.type() && !reported(conflicts, point.measurement(), field)) {
                    if (conflicts.size() == MAX_REPORTED_CONFLICTS) {
                        return List.copyOf(conflicts);
                    }
                    conflicts.add(new FieldTypeConflict(
                            point.measurement(), field.key(), seen.type(), seen.line(), field.type(), lines[i]));
                }
            }
        }
        return List.copyOf(conflicts);
    }

    private static boolean reported(List<FieldTypeConflict> conflicts, String measurement, Field field) {
        for (FieldTypeConflict c : conflicts) { // conflicts are rare: a linear scan is fine
            if (c.conflictingType() == field.type() && c.field().equals(field.key()) && c.measurement().equals(measurement)) {
                return true;
            }
        }
        return false;
    }
}
