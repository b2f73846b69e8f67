package io.timestore.server.query;

import io.timestore.security.TenantId;
import io.timestore.server.influxql.Expr;
import io.timestore.server.influxql.Statement.Fill;
import io.timestore.server.influxql.Statement.Select;
import io.timestore.server.points.FieldType;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.query.SeriesSelection.Candidate;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Runs one InfluxQL SELECT on one authorized dataset: picks the measurement's series
 * ({@link QueryStore#series}, tag equalities through the index, the whole tag condition checked
 * in Java), groups them by the GROUP BY tags, and reads each group with one statement per
 * aggregate ({@link QueryStore#groupAggregate}: per window or over the range) or one for raw
 * points ({@link QueryStore#groupPoints}); fills empty windows; pages rows and series. At most
 * {@code maxPoints} series are considered and values returned (400 beyond). Not thread-safe.
 */
final class InfluxQlSelect {
    private final QueryStore store;
    private final SeriesTags tagsOf;
    private final int maxPoints;
    private int returned;

    InfluxQlSelect(QueryStore store, SeriesTags tagsOf, int maxPoints) {
        this.store = store;
        this.tagsOf = tagsOf;
        this.maxPoints = maxPoints;
    }

    /** Parses a series' tags (JSON text) into a map. */
    @FunctionalInterface
    interface SeriesTags {
        Map<String, String> parse(String json);
    }

    /** An aggregate column: the function, its field and the percentile (if any). */
    private record AggregateColumn(String name, Aggregate aggregate, String field, double argument,
                                   Optional<InfluxQlTransform> transform) {}

    /** A raw column: a field, or a tag ({@code tag} true). */
    private record RawColumn(String name, String key, boolean tag) {}

    List<InfluxQlResults.Series> run(Connection connection, TenantId tenant, String dataset, OptionalInt retentionDays, Select select,
                                     long now, long[] regexBudget) throws SQLException {
        var zone = select.timeZone().map(Windows::zone);
        if (select.groupBy().offsetNanos() != 0) {
            throw new InvalidRequest("GROUP BY time with an offset is not supported");
        }
        var conditions = new InfluxQlConditions(select.condition(), now, regexBudget);
        var selector = InfluxQlSelectors.column(select);
        var aggregates = selector.isPresent() ? List.<AggregateColumn>of() : aggregates(select);
        var step = select.groupBy().intervalNanos();
        var windows = step.isPresent() ? Optional.of(new Windows(step.getAsLong(), zone)) : Optional.<Windows>empty();
        boolean transformed = aggregates.stream().anyMatch(column -> column.transform().isPresent());
        if (transformed && step.isEmpty()) {
            throw new InvalidRequest("derivative, difference and moving_average over an aggregate require GROUP BY time");
        }
        if (step.isPresent() && aggregates.isEmpty() && selector.isEmpty()) {
            throw new InvalidRequest("GROUP BY time requires an aggregate function in the select list");
        }
        if (step.isPresent() && !conditions.hasLowerBound()) {
            throw new InvalidRequest("aggregate functions with GROUP BY time require a WHERE time clause with a lower limit");
        }
        long userStart = conditions.start();
        long end = conditions.hasUpperBound() || step.isEmpty() ? conditions.end() : Math.min(conditions.end(), saturatedIncrement(now));
        var range = readRange(userStart, end, now, retentionDays);
        var candidates = candidates(connection, tenant, dataset, select.from().measurement(), conditions);
        var fields = new TreeMap<String, FieldType>();
        var tagKeys = new TreeSet<String>();
        for (var candidate : candidates) {
            fields.put(candidate.series().field(), candidate.series().type());
            tagKeys.addAll(candidate.tags().keySet());
        }
        var groupKeys = select.groupBy().allTags() ? List.copyOf(tagKeys) : select.groupBy().tags();
        var groups = group(candidates, groupKeys);
        var paged = page(new ArrayList<>(groups.entrySet()), select.page().seriesOffset(), select.page().seriesLimit());
        var result = new ArrayList<InfluxQlResults.Series>();
        for (var group : paged) {
            var tags = groupKeys.isEmpty() ? Map.<String, String>of() : group.getKey();
            List<List<Object>> rows;
            List<String> columns;
            if (selector.isPresent()) {
                var column = selector.get();
                columns = List.of(column.name());
                var ids = group.getValue().stream().filter(c -> c.series().field().equals(column.field())).map(c -> c.series().id())
                        .toList();
                rows = InfluxQlSelectors.rows(store, connection, tenant, dataset, ids, fields.get(column.field()), column, range, userStart,
                        windows, maxPoints);
                if (select.descending()) {
                    Collections.reverse(rows);
                }
            } else if (aggregates.isEmpty()) {
                var raw = rawColumns(select, fields, tagKeys, Set.copyOf(groupKeys));
                columns = names(raw.stream().map(RawColumn::name).toList());
                rows = raw(connection, tenant, dataset, group.getValue(), raw, range, select.descending());
            } else {
                columns = names(aggregates.stream().map(AggregateColumn::name).toList());
                // A transformation gives no value for windows it skips: those rows are left out, as InfluxDB does.
                rows = aggregate(connection, tenant, dataset, group.getValue(), aggregates, fields, range, userStart, end, windows,
                        transformed ? new Fill.None() : select.fill());
                if (select.descending()) {
                    Collections.reverse(rows);
                }
            }
            rows = page(rows, select.page().offset(), select.page().limit());
            if (rows.isEmpty()) {
                continue;
            }
            returned += rows.size();
            if (returned > maxPoints) {
                throw new InvalidRequest("the query would return more than %d points; narrow the time range, use a larger interval or filter series"
                        .formatted(maxPoints));
            }
            var withTime = new ArrayList<String>();
            withTime.add("time");
            withTime.addAll(columns);
            result.add(new InfluxQlResults.Series(select.from().measurement(), tags, withTime, rows));
        }
        return result;
    }

    private static long saturatedIncrement(long value) {
        return value == Long.MAX_VALUE ? value : value + 1;
    }

    /** The range to read: [start, end) with start raised to the retention horizon; empty (start = end) when nothing is left. */
    private static QueryStore.TimeRange readRange(long start, long end, long now, OptionalInt retentionDays) {
        if (start >= end) {
            return new QueryStore.TimeRange(start, start);
        }
        return new PointsQuery.RequestedRange(start, end, now).within(retentionDays);
    }

    private List<AggregateColumn> aggregates(Select select) {
        var columns = new ArrayList<AggregateColumn>();
        boolean raw = false;
        for (var column : select.columns()) {
            switch (column.expr()) {
                case Expr.Call call -> columns.add(aggregate(call, column.alias()));
                case Expr.VarRef ref -> raw |= !ref.isTime();
                case Expr.Wildcard wildcard -> raw = true;
                default -> throw new InvalidRequest("only fields, tags, * and aggregate functions can be selected; arithmetic is not supported");
            }
        }
        if (raw && !columns.isEmpty()) {
            throw new InvalidRequest("mixing aggregate and non-aggregate queries is not supported");
        }
        return columns;
    }

    private static AggregateColumn aggregate(Expr.Call call, Optional<String> alias) {
        if (InfluxQlTransform.FUNCTIONS.contains(call.name())) {
            var transform = InfluxQlTransform.of(call);
            var inner = aggregate((Expr.Call) call.args().getFirst(), Optional.empty());
            if (inner.transform().isPresent()) {
                throw new InvalidRequest("%s() over %s() is not supported".formatted(call.name(), inner.name()));
            }
            return new AggregateColumn(alias.orElse(call.name()), inner.aggregate(), inner.field(), inner.argument(), Optional.of(transform));
        }
        var aggregate = Aggregate.influxQl(call.name()).orElseThrow(() -> new InvalidRequest(
                ("function %s() is not supported; supported: mean, median, count, sum, min, max, first, last, spread, stddev, percentile,"
                        + " mode, distinct, top, bottom and, over the aggregates, derivative, non_negative_derivative, difference, non_negative_difference, moving_average")
                        .formatted(call.name())));
        int arguments = aggregate.takesArgument() ? 2 : 1;
        if (call.args().size() != arguments || !(call.args().getFirst() instanceof Expr.VarRef field) || field.isTime()) {
            throw new InvalidRequest("%s() takes %s".formatted(call.name(),
                    arguments == 2 ? "a field and a number, e.g. percentile(\"usage\", 95)" : "one field, e.g. %s(\"usage\")".formatted(call.name())));
        }
        double argument = 0;
        if (aggregate.takesArgument()) {
            argument = switch (call.args().get(1)) {
                case Expr.IntegerLiteral integer -> integer.value();
                case Expr.NumberLiteral number -> number.value();
                default -> throw new InvalidRequest("percentile() takes a number from 0 to 100 as its second argument");
            };
            if (!(argument >= 0 && argument <= 100)) {
                throw new InvalidRequest("percentile must be from 0 to 100, got " + argument);
            }
        }
        return new AggregateColumn(alias.orElse(call.name()), aggregate, field.name(), argument, Optional.empty());
    }

    /** The measurement's series that satisfy the tag condition, at most {@code maxPoints} considered. */
    private List<Candidate> candidates(Connection connection, TenantId tenant, String dataset, String measurement,
                                       InfluxQlConditions conditions) throws SQLException {
        if (measurement.indexOf('\0') >= 0) {
            return List.of();
        }
        var filter = new SeriesFilter(Optional.of(measurement), Optional.empty(), conditions.requiredTags());
        return SeriesSelection.select(store, connection, tenant, dataset, filter, conditions, tagsOf::parse, false, maxPoints);
    }

    /** Candidates by the values of {@code keys} (a missing tag is ""), in the order of those values. */
    private static Map<Map<String, String>, List<Candidate>> group(List<Candidate> candidates, List<String> keys) {
        var groups = new LinkedHashMap<Map<String, String>, List<Candidate>>();
        SeriesSelection.group(candidates, candidate -> SeriesSelection.tagValues(candidate, keys)).forEach((values, members) -> {
            var key = new LinkedHashMap<String, String>();
            for (int i = 0; i < keys.size(); i++) {
                key.put(keys.get(i), values.get(i));
            }
            groups.put(key, members);
        });
        return groups;
    }

    private static <T> List<T> page(List<T> all, long offset, java.util.OptionalLong limit) {
        int from = (int) Math.min(all.size(), offset);
        int to = limit.isPresent() && limit.getAsLong() > 0 ? (int) Math.min(all.size(), from + limit.getAsLong()) : all.size();
        return all.subList(from, to);
    }

    /** Column names as InfluxDB gives them: a repeated name gets _1, _2, ... */
    private static List<String> names(List<String> wanted) {
        var seen = new HashMap<String, Integer>();
        var names = new ArrayList<String>();
        for (var name : wanted) {
            int count = seen.merge(name, 1, Integer::sum);
            names.add(count == 1 ? name : name + "_" + (count - 1));
        }
        return names;
    }

    private List<List<Object>> aggregate(Connection connection, TenantId tenant, String dataset, List<Candidate> group,
                                         List<AggregateColumn> columns, Map<String, FieldType> fields, QueryStore.TimeRange range,
                                         long userStart, long end, Optional<Windows> windows, Fill fill) throws SQLException {
        List<Map<Long, Object>> values = new ArrayList<>();
        boolean any = false;
        // InfluxDB gives a lone selector without GROUP BY time the time of the point it selected.
        boolean selectedTime = windows.isEmpty() && columns.size() == 1 && columns.getFirst().transform().isEmpty()
                && columns.getFirst().aggregate().selectedTimeSql("v").isPresent();
        long[] at = {userStart == Long.MIN_VALUE ? 0L : userStart};
        for (var column : columns) {
            var ids = group.stream().filter(c -> c.series().field().equals(column.field())).map(c -> c.series().id()).toList();
            var type = fields.get(column.field());
            if (!ids.isEmpty() && column.aggregate().numericOnly() && (type == FieldType.BOOLEAN || type == FieldType.STRING)) {
                throw new InvalidRequest("%s() needs a numeric field; %s is %s".formatted(column.name(), column.field(),
                        type.name().toLowerCase(java.util.Locale.ROOT)));
            }
            var byBucket = SeriesSelection.aggregate(store, connection, tenant, dataset, ids, type, range, windows,
                    column.aggregate(), column.argument(), selectedTime ? Optional.of(time -> at[0] = time) : Optional.empty());
            var transformed = column.transform().isPresent()
                    ? column.transform().get().apply(byBucket, windows.orElseThrow().stepNanos())
                    : byBucket;
            any |= transformed.values().stream().anyMatch(java.util.Objects::nonNull);
            values.add(transformed);
        }
        if (!any) {
            return new ArrayList<>();
        }
        if (windows.isEmpty()) {
            var row = new ArrayList<Object>();
            row.add(at[0]);
            values.forEach(byBucket -> row.add(byBucket.get(0L)));
            var rows = new ArrayList<List<Object>>();
            rows.add(row);
            return rows;
        }
        return WindowFill.windows(values, windows.get().start(userStart), end, windows.get(), fill, maxPoints);
    }

    private static List<RawColumn> rawColumns(Select select, Map<String, FieldType> fields, Set<String> tagKeys, Set<String> groupTags) {
        var columns = new ArrayList<RawColumn>();
        for (var column : select.columns()) {
            switch (column.expr()) {
                case Expr.Wildcard wildcard -> {
                    var all = new TreeMap<String, RawColumn>();
                    if (!wildcard.type().equals(Optional.of("tag"))) {
                        fields.keySet().forEach(field -> all.put(field, new RawColumn(field, field, false)));
                    }
                    if (!wildcard.type().equals(Optional.of("field"))) {
                        tagKeys.stream().filter(tag -> !groupTags.contains(tag) && !fields.containsKey(tag))
                                .forEach(tag -> all.put(tag, new RawColumn(tag, tag, true)));
                    }
                    columns.addAll(all.values());
                }
                case Expr.VarRef ref when ref.isTime() -> { }
                case Expr.VarRef ref -> {
                    boolean tag = ref.type().equals(Optional.of("tag"))
                            || (ref.type().isEmpty() && !fields.containsKey(ref.name()) && tagKeys.contains(ref.name()));
                    columns.add(new RawColumn(column.alias().orElse(ref.name()), ref.name(), tag));
                }
                default -> throw new IllegalStateException("checked by aggregates()");
            }
        }
        if (columns.stream().allMatch(RawColumn::tag)) {
            throw new InvalidRequest("statement must have at least one field in select clause");
        }
        return columns;
    }

    /** Raw rows: one per time and series tag set, the selected fields' values and tags side by side. */
    private List<List<Object>> raw(Connection connection, TenantId tenant, String dataset, List<Candidate> group, List<RawColumn> columns,
                                   QueryStore.TimeRange range, boolean descending) throws SQLException {
        var wanted = new HashMap<String, List<Integer>>();
        for (int i = 0; i < columns.size(); i++) {
            if (!columns.get(i).tag()) {
                wanted.computeIfAbsent(columns.get(i).key(), k -> new ArrayList<>()).add(i);
            }
        }
        var byId = new HashMap<Long, Candidate>();
        group.stream().filter(c -> wanted.containsKey(c.series().field())).forEach(c -> byId.put(c.series().id(), c));
        var rows = new ArrayList<List<Object>>();
        if (byId.isEmpty() || range.end() <= range.start()) {
            return rows;
        }
        var open = new LinkedHashMap<Map<String, String>, Object[]>();
        long[] time = {Long.MIN_VALUE};
        int[] read = {0};
        store.groupPoints(connection, tenant, dataset, List.copyOf(byId.keySet()), range, descending, maxPoints + 1, row -> {
            if (++read[0] > maxPoints) {
                throw new InvalidRequest("the query would read more than %d points; narrow the time range or filter series".formatted(maxPoints));
            }
            var candidate = byId.get(row.getLong(1));
            long at = row.getLong(2);
            if (at != time[0]) {
                flush(open, rows);
                time[0] = at;
            }
            var values = open.computeIfAbsent(candidate.tags(), tags -> newRow(at, columns, tags));
            var value = value(row, candidate.series().type());
            for (int index : wanted.get(candidate.series().field())) {
                values[index + 1] = value;
            }
            return true;
        });
        flush(open, rows);
        return rows;
    }

    private static Object[] newRow(long time, List<RawColumn> columns, Map<String, String> tags) {
        var values = new Object[columns.size() + 1];
        values[0] = time;
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).tag()) {
                values[i + 1] = tags.get(columns.get(i).key());
            }
        }
        return values;
    }

    private static void flush(Map<Map<String, String>, Object[]> open, List<List<Object>> rows) {
        open.values().forEach(values -> rows.add(java.util.Arrays.asList(values)));
        open.clear();
    }

    /** A raw point's value (columns 3 to 6 of {@link QueryStore#groupPoints}) as the series' type reads it. */
    static Object value(ResultSet row, FieldType type) throws SQLException {
        return switch (type) {
            case FLOAT -> row.getDouble(3);
            case INTEGER -> row.getLong(4);
            case UNSIGNED -> new BigDecimal(Long.toUnsignedString(row.getLong(4)));
            case BOOLEAN -> row.getBoolean(5);
            case STRING -> row.getString(6);
        };
    }
}
