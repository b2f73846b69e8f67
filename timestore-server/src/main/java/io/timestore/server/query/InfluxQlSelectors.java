package io.timestore.server.query;

import io.timestore.security.TenantId;
import io.timestore.server.influxql.Expr;
import io.timestore.server.influxql.Statement.Select;
import io.timestore.server.points.FieldType;
import io.timestore.server.problems.InvalidRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * InfluxQL's functions that give several rows per window, {@code distinct(field)},
 * {@code top(field, N)} and {@code bottom(field, N)}, each the lone column of its SELECT (as
 * InfluxDB requires). They read the group's raw points (bounded like a raw query) and choose in
 * Java: {@code distinct} gives each value once, sorted by value, at the window's start (the range's
 * lower bound, or 0, without GROUP BY time); {@code top}/{@code bottom} give the N largest /
 * smallest values (the earlier point first among equal values) at their own times, in time order.
 * {@code fill()} does not apply: windows without points give no rows. Not thread-safe.
 */
final class InfluxQlSelectors {
    static final Set<String> FUNCTIONS = Set.of("distinct", "top", "bottom", "integral");
    private static final long SECOND = 1_000_000_000L;

    /** The lone selector column: its name, function, field and N (top, bottom) or the unit in nanoseconds (integral). */
    record Column(String name, String function, String field, long count) {}

    private record Sample(long time, Comparable<Object> value) {}

    private InfluxQlSelectors() {}

    /** The SELECT's selector column, if it names distinct, top or bottom; 400 when it is not alone or malformed. */
    static Optional<Column> column(Select select) {
        var calls = select.columns().stream().filter(column -> column.expr() instanceof Expr.Call call && FUNCTIONS.contains(call.name()))
                .toList();
        if (calls.isEmpty()) {
            return Optional.empty();
        }
        var call = (Expr.Call) calls.getFirst().expr();
        boolean others = select.columns().stream().anyMatch(column -> !(column.expr() instanceof Expr.VarRef ref && ref.isTime())
                && column != calls.getFirst());
        if (others) {
            throw new InvalidRequest("%s() cannot be combined with other functions or fields".formatted(call.name()));
        }
        if (call.name().equals("integral")) {
            return Optional.of(integral(call, calls.getFirst().alias()));
        }
        boolean counted = !call.name().equals("distinct");
        int arguments = counted ? 2 : 1;
        if (call.args().size() != arguments || !(call.args().getFirst() instanceof Expr.VarRef field) || field.isTime()) {
            throw new InvalidRequest("%s() takes %s".formatted(call.name(), counted
                    ? "a field and a number of points, e.g. %s(\"usage\", 3) (tag arguments are not supported)".formatted(call.name())
                    : "one field, e.g. distinct(\"usage\")"));
        }
        long count = 0;
        if (counted) {
            if (!(call.args().get(1) instanceof Expr.IntegerLiteral integer) || integer.value() < 1) {
                throw new InvalidRequest("%s() takes a positive integer as its last argument".formatted(call.name()));
            }
            count = integer.value();
        }
        return Optional.of(new Column(calls.getFirst().alias().orElse(call.name()), call.name(), field.name(), count));
    }

    private static Column integral(Expr.Call call, Optional<String> alias) {
        if (call.args().isEmpty() || call.args().size() > 2 || !(call.args().getFirst() instanceof Expr.VarRef field) || field.isTime()) {
            throw new InvalidRequest("integral() takes a field and optionally a unit, e.g. integral(\"usage\", 1m)");
        }
        long unit = SECOND;
        if (call.args().size() == 2) {
            if (!(call.args().get(1) instanceof Expr.DurationLiteral duration) || duration.nanos() <= 0) {
                throw new InvalidRequest("integral() takes a positive duration as its unit, e.g. 1s");
            }
            unit = duration.nanos();
        }
        return new Column(alias.orElse("integral"), "integral", field.name(), unit);
    }

    /** The rows of {@code column} over the group's series {@code ids} of type {@code type}. */
    static List<List<Object>> rows(QueryStore store, Connection connection, TenantId tenant, String dataset, List<Long> ids,
                                   FieldType type, Column column, QueryStore.TimeRange range, long userStart, Optional<Windows> step,
                                   int maxPoints) throws SQLException {
        var rows = new ArrayList<List<Object>>();
        if (ids.isEmpty() || range.end() <= range.start()) {
            return rows;
        }
        if (!column.function().equals("distinct") && (type == FieldType.BOOLEAN || type == FieldType.STRING)) {
            // top, bottom and integral
            throw new InvalidRequest("%s() needs a numeric field; %s is %s".formatted(column.function(), column.field(),
                    type.name().toLowerCase(Locale.ROOT)));
        }
        long rangeTime = userStart == Long.MIN_VALUE ? 0L : userStart;
        var windows = new TreeMap<Long, List<Sample>>();
        int[] read = {0};
        store.groupPoints(connection, tenant, dataset, ids, range, false, maxPoints + 1, row -> {
            if (++read[0] > maxPoints) {
                throw new InvalidRequest("the query would read more than %d points; narrow the time range or filter series".formatted(maxPoints));
            }
            long time = row.getLong(2);
            long window = step.isPresent() ? step.get().start(time) : rangeTime;
            @SuppressWarnings("unchecked")
            var value = (Comparable<Object>) InfluxQlSelect.value(row, type);
            windows.computeIfAbsent(window, w -> new ArrayList<>()).add(new Sample(time, value));
            return true;
        });
        if (column.function().equals("integral")) {
            return integral(windows, step, column.count());
        }
        windows.forEach((window, samples) -> rows.addAll(switch (column.function()) {
            case "distinct" -> distinct(window, samples);
            case "top" -> chosen(samples, column.count(), true);
            default -> chosen(samples, column.count(), false);
        }));
        return rows;
    }

    /**
     * InfluxDB 1.x's integral: the trapezoidal area under the points, in {@code unit}s. With GROUP BY
     * time, the line from a window's last point to the next point is cut at the window's end, its
     * value there interpolated: the part before the end counts in that window, the rest in the
     * window of the next point (which therefore also holds the area across windows without points,
     * as InfluxDB's reducer does). A window with a single point and nothing carried into it is 0.
     */
    private static List<List<Object>> integral(TreeMap<Long, List<Sample>> windows, Optional<Windows> step, long unit) {
        var rows = new ArrayList<List<Object>>();
        Sample previous = null;
        Long current = null;
        double sum = 0;
        for (var window : windows.entrySet()) {
            for (var sample : window.getValue()) {
                double value = ((Number) sample.value()).doubleValue();
                if (previous != null && sample.time() == previous.time()) {
                    previous = new Sample(sample.time(), sample.value());
                    continue;
                }
                if (previous != null && step.isPresent() && window.getKey() != current.longValue()) {
                    long end = step.get().next(current);
                    double before = ((Number) previous.value()).doubleValue();
                    double atEnd = before + (value - before) * (end - previous.time()) / (double) (sample.time() - previous.time());
                    sum += 0.5 * (before + atEnd) * (end - previous.time()) / unit;
                    rows.add(List.of(current, sum));
                    sum = 0;
                    previous = new Sample(end, asComparable(atEnd));
                }
                if (previous != null) {
                    double before = ((Number) previous.value()).doubleValue();
                    sum += 0.5 * (before + value) * (sample.time() - previous.time()) / unit;
                }
                previous = sample;
                current = window.getKey();
            }
        }
        if (current != null) {
            rows.add(List.of(current, sum));
        }
        return rows;
    }

    @SuppressWarnings("unchecked")
    private static Comparable<Object> asComparable(double value) {
        return (Comparable<Object>) (Comparable<?>) value;
    }

    private static List<List<Object>> distinct(long window, List<Sample> samples) {
        var values = new TreeSet<Comparable<Object>>(Comparator.naturalOrder());
        samples.forEach(sample -> values.add(sample.value()));
        return values.stream().map(value -> List.<Object>of(window, value)).toList();
    }

    /** The {@code count} largest ({@code top}) or smallest values, the earlier point first among equals, in time order. */
    private static List<List<Object>> chosen(List<Sample> samples, long count, boolean top) {
        Comparator<Sample> byValue = (a, b) -> a.value().compareTo(b.value());
        var order = (top ? byValue.reversed() : byValue).thenComparingLong(Sample::time);
        return samples.stream().sorted(order).limit(count).sorted(Comparator.comparingLong(Sample::time).thenComparing(order))
                .map(sample -> List.<Object>of(sample.time(), sample.value())).toList();
    }
}
