package io.timestore.server.query;

import io.timestore.server.influxql.Expr;
import io.timestore.server.problems.InvalidRequest;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A transformation over an aggregate's windows, as InfluxQL's advanced syntax has it:
 * {@code derivative(mean("v")[, unit])}, {@code non_negative_derivative}, {@code difference},
 * {@code non_negative_difference}, {@code moving_average(mean("v"), n)}. It works on the windows
 * that have a value, in time order, and gives a value at the later window of each step (none for
 * the first {@code 1} or {@code n - 1} of them).
 *
 * @param unitNanos the derivative's unit; 0 for the GROUP BY interval (InfluxDB's default)
 * @param points    the moving average's number of values
 */
record InfluxQlTransform(String function, long unitNanos, int points) {
    static final Set<String> FUNCTIONS = Set.of("derivative", "non_negative_derivative", "difference", "non_negative_difference",
            "moving_average");

    /** The transformation {@code call} names; its first argument (the aggregate) is the caller's to read. */
    static InfluxQlTransform of(Expr.Call call) {
        boolean average = call.name().equals("moving_average");
        boolean derivative = call.name().endsWith("derivative");
        int most = average || derivative ? 2 : 1;
        if (call.args().isEmpty() || !(call.args().getFirst() instanceof Expr.Call) || call.args().size() > most
                || (average && call.args().size() != 2)) {
            throw new InvalidRequest("%s() takes an aggregate%s, e.g. %s(mean(\"usage\")%s)".formatted(call.name(),
                    average ? " and a number of points" : derivative ? " and optionally a unit" : "", call.name(),
                    average ? ", 3" : derivative ? ", 1s" : ""));
        }
        if (average) {
            if (!(call.args().get(1) instanceof Expr.IntegerLiteral n) || n.value() < 1 || n.value() > 10_000) {
                throw new InvalidRequest("moving_average() takes a number of points from 1 to 10000 as its second argument");
            }
            return new InfluxQlTransform(call.name(), 0, (int) n.value());
        }
        if (call.args().size() == 2) {
            if (!(call.args().get(1) instanceof Expr.DurationLiteral unit) || unit.nanos() <= 0) {
                throw new InvalidRequest("%s() takes a positive duration as its unit, e.g. 1s".formatted(call.name()));
            }
            return new InfluxQlTransform(call.name(), unit.nanos(), 0);
        }
        return new InfluxQlTransform(call.name(), 0, 0);
    }

    /** The transformed windows of {@code windows} (window start → aggregate value, nulls for empty ones). */
    Map<Long, Object> apply(Map<Long, Object> windows, long stepNanos) {
        var times = new ArrayList<Long>();
        var values = new ArrayList<Number>();
        new TreeMap<>(windows).forEach((time, value) -> {
            if (value instanceof Number number) {
                times.add(time);
                values.add(number);
            }
        });
        var result = new TreeMap<Long, Object>();
        if (function.equals("moving_average")) {
            double sum = 0;
            for (int i = 0; i < values.size(); i++) {
                sum += values.get(i).doubleValue();
                if (i >= points) {
                    sum -= values.get(i - points).doubleValue();
                }
                if (i >= points - 1) {
                    result.put(times.get(i), sum / points);
                }
            }
            return result;
        }
        long unit = unitNanos > 0 ? unitNanos : stepNanos;
        for (int i = 1; i < values.size(); i++) {
            var previous = values.get(i - 1);
            var current = values.get(i);
            Object change;
            if (function.endsWith("derivative")) {
                change = (current.doubleValue() - previous.doubleValue()) / ((times.get(i) - times.get(i - 1)) / (double) unit);
            } else if (previous instanceof Long p && current instanceof Long c) {
                change = c - p;
            } else {
                change = current.doubleValue() - previous.doubleValue();
            }
            if (!function.startsWith("non_negative") || ((Number) change).doubleValue() >= 0) {
                result.put(times.get(i), change);
            }
        }
        return result;
    }
}
