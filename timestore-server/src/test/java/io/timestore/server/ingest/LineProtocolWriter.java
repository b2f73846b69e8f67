package io.timestore.server.ingest;

import io.timestore.server.points.Field;
import io.timestore.server.points.FieldValue;
import io.timestore.server.points.FieldValue.BooleanValue;
import io.timestore.server.points.FieldValue.FloatValue;
import io.timestore.server.points.FieldValue.IntegerValue;
import io.timestore.server.points.FieldValue.StringValue;
import io.timestore.server.points.FieldValue.UnsignedValue;
import io.timestore.server.points.Point;
import io.timestore.server.points.Tag;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes points as line protocol that {@link LineProtocolParser} (and InfluxDB 2.x) reads back
 * as the same points. Test code only (no main code writes line protocol): the round-trip properties
 * encode with it. Stateless and thread-safe.
 *
 * <p>Line protocol cannot express every string. A name (measurement, tag key or value, field
 * key) cannot contain a line break or a NUL, nor a backslash at its end or before
 * {@code , = space " \}; a measurement cannot start with {@code #} (a comment), nor a measurement
 * or field key with a tab; a string value cannot contain NUL. Such points are refused with
 * {@link IllegalArgumentException} rather than written as something else.
 */
public final class LineProtocolWriter {
    private LineProtocolWriter() {}

    /** {@code points} as one body, one line per point, timestamps in {@code precision}. */
    public static byte[] encode(List<Point> points, Precision precision) {
        var out = new StringBuilder(points.size() * 64);
        for (Point point : points) {
            append(out, point, precision);
            out.append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code point} as one line without the line break, timestamp in nanoseconds. */
    public static String toLine(Point point) {
        var out = new StringBuilder(64);
        append(out, point, Precision.NANOSECONDS);
        return out.toString();
    }

    /**
     * Appends {@code point} without a line break.
     *
     * @throws IllegalArgumentException if a name cannot be written (see the class comment) or the
     *                                  timestamp is not a whole number of {@code precision} units
     */
    public static void append(StringBuilder out, Point point, Precision precision) {
        String measurement = point.measurement();
        if (measurement.charAt(0) == '#' || measurement.charAt(0) == '\t') {
            throw unwritable("measurement", measurement);
        }
        appendName(out, measurement, "measurement", false);
        for (Tag tag : point.tags()) {
            out.append(',');
            appendName(out, tag.key(), "tag key", true);
            out.append('=');
            appendName(out, tag.value(), "tag value", true);
        }
        char separator = ' ';
        for (Field field : point.fields()) {
            out.append(separator);
            separator = ',';
            if (field.key().charAt(0) == '\t') {
                throw unwritable("field key", field.key());
            }
            appendName(out, field.key(), "field key", true);
            out.append('=');
            appendValue(out, field.value());
        }
        long time = point.timestampNanos();
        if (time % precision.nanosPerUnit() != 0) {
            throw new IllegalArgumentException("timestamp %d ns is not a whole number of %s".formatted(time, precision));
        }
        out.append(' ').append(time / precision.nanosPerUnit());
    }

    private static void appendValue(StringBuilder out, FieldValue value) {
        switch (value) {
            case FloatValue f -> out.append(f.value()); // shortest repr that reads back exactly, e.g. 1.0E-5
            case IntegerValue i -> out.append(i.value()).append('i');
            case UnsignedValue u -> out.append(Long.toUnsignedString(u.bits())).append('u');
            case BooleanValue b -> out.append(b.value());
            case StringValue s -> {
                out.append('"');
                String text = s.value();
                for (int k = 0; k < text.length(); k++) {
                    char c = text.charAt(k);
                    if (c == 0) {
                        throw unwritable("string value", text);
                    }
                    if (c == '"' || c == '\\') {
                        out.append('\\');
                    }
                    out.append(c);
                }
                out.append('"');
            }
        }
    }

    private static void appendName(StringBuilder out, String name, String what, boolean escapeEquals) {
        for (int k = 0; k < name.length(); k++) {
            char c = name.charAt(k);
            switch (c) {
                case '\n', 0 -> throw unwritable(what, name);
                case '\\' -> {
                    char next = k + 1 < name.length() ? name.charAt(k + 1) : ',';
                    if (next == ',' || next == ' ' || next == '=' || next == '"' || next == '\\') {
                        throw unwritable(what, name);
                    }
                    out.append(c);
                }
                case ',', ' ' -> out.append('\\').append(c);
                case '=' -> {
                    if (escapeEquals) {
                        out.append('\\');
                    }
                    out.append(c);
                }
                default -> out.append(c);
            }
        }
    }

    private static IllegalArgumentException unwritable(String what, String text) {
        return new IllegalArgumentException("%s cannot be written as line protocol: '%s'".formatted(what, text));
    }
}
