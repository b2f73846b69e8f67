package io.timestore.server.ingest;

import io.timestore.server.points.FieldType;
/**
 * A field written with two types in one batch: {@code measurement.field} first had
 * {@code firstType} (on {@code firstLine}) and then {@code conflictingType} on {@code line}.
 * InfluxDB answers 422 for this and writes nothing.
 */
public record FieldTypeConflict(
        String measurement, String field, FieldType firstType, int firstLine, FieldType conflictingType, int line) {

    /** A sentence for the problem detail or {@code errors[]}. */
    public String message() {
        return "field '%s' of measurement '%s' is %s on line %d but %s on line %d"
                .formatted(field, measurement, conflictingType, line, firstType, firstLine);
    }
}
