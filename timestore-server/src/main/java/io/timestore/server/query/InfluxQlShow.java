package io.timestore.server.query;

import io.timestore.security.TenantId;
import io.timestore.server.influxql.Expr;
import io.timestore.server.influxql.Statement;
import io.timestore.server.influxql.Statement.Page;
import io.timestore.server.problems.InvalidRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The SHOW statements Grafana sends, on one authorized dataset: measurements, tag keys, tag
 * values and field keys from its series ({@link QueryStore#seriesPage}, at most {@code maxSeries}
 * tag sets considered, 400 beyond), and its one retention policy.
 */
final class InfluxQlShow {
    private final QueryStore store;
    private final InfluxQlSelect.SeriesTags tagsOf;
    private final InfluxQlSelect.SeriesTags fieldsOf;
    private final int maxSeries;

    InfluxQlShow(QueryStore store, InfluxQlSelect.SeriesTags tagsOf, InfluxQlSelect.SeriesTags fieldsOf, int maxSeries) {
        this.store = store;
        this.tagsOf = tagsOf;
        this.fieldsOf = fieldsOf;
        this.maxSeries = maxSeries;
    }

    /** One tag set of a measurement with its fields' types. */
    private record TagSet(String measurement, Map<String, String> tags, Map<String, String> fields) {}

    List<InfluxQlResults.Series> run(Connection connection, TenantId tenant, String dataset, OptionalInt retentionDays,
                                     Statement statement, long now, long[] regexBudget) throws SQLException {
        return switch (statement) {
            case Statement.ShowRetentionPolicies show -> List.of(new InfluxQlResults.Series("", Map.of(),
                    List.of("name", "duration", "shardGroupDuration", "replicaN", "default"),
                    List.of(List.of("autogen", retentionDays.isPresent() ? retentionDays.getAsInt() * 24 + "h0m0s" : "0s", "168h0m0s", 1L,
                            true))));
            case Statement.ShowMeasurements show -> measurements(connection, tenant, dataset, show, now, regexBudget);
            case Statement.ShowTagKeys show -> perMeasurement(tagSets(connection, tenant, dataset, show.from(), show.condition(), now,
                    regexBudget), List.of("tagKey"), show.page(), set -> set.tags().keySet().stream().map(key -> List.<Object>of(key)).toList());
            case Statement.ShowTagValues show -> {
                var keys = new InfluxQlConditions(Optional.of(show.key()), now, regexBudget);
                yield perMeasurement(tagSets(connection, tenant, dataset, show.from(), show.condition(), now, regexBudget),
                        List.of("key", "value"), show.page(), set -> set.tags().entrySet().stream()
                                .filter(tag -> keys.matches(Map.of("_tagKey", tag.getKey()), Set.of()))
                                .map(tag -> List.<Object>of(tag.getKey(), tag.getValue())).toList());
            }
            case Statement.ShowFieldKeys show -> perMeasurement(tagSets(connection, tenant, dataset, show.from(), Optional.empty(), now,
                    regexBudget), List.of("fieldKey", "fieldType"), show.page(), set -> set.fields().entrySet().stream()
                    .map(field -> List.<Object>of(field.getKey(), field.getValue())).toList());
            case Statement.ShowSeries show -> seriesKeys(tagSets(connection, tenant, dataset, show.from(), show.condition(), now,
                    regexBudget), show.page());
            default -> throw new IllegalStateException("not a SHOW on a dataset: " + statement);
        };
    }

    private List<InfluxQlResults.Series> measurements(Connection connection, TenantId tenant, String dataset,
                                                      Statement.ShowMeasurements show, long now, long[] regexBudget) throws SQLException {
        var names = new InfluxQlConditions(show.measurement(), now, regexBudget);
        var measurements = new TreeSet<String>();
        for (var set : tagSets(connection, tenant, dataset, Optional.empty(), show.condition(), now, regexBudget)) {
            if (names.matches(Map.of("_name", set.measurement()), Set.of())) {
                measurements.add(set.measurement());
            }
        }
        var rows = page(measurements.stream().map(name -> List.<Object>of(name)).toList(), show.page());
        return rows.isEmpty() ? List.of() : List.of(new InfluxQlResults.Series("measurements", Map.of(), List.of("name"), rows));
    }

    /**
     * SHOW SERIES: one row per measurement and tag set, its series key as line protocol writes it
     * ({@code cpu,host=a,region=eu}: tags sorted by key, commas, spaces and equals signs escaped),
     * sorted, paged, in one series without a name, as InfluxDB 1.x answers.
     */
    private static List<InfluxQlResults.Series> seriesKeys(List<TagSet> sets, Page page) {
        var keys = new TreeSet<String>();
        for (var set : sets) {
            var key = new StringBuilder(escape(set.measurement(), ", "));
            new TreeMap<>(set.tags()).forEach((tag, value) -> key.append(',').append(escape(tag, ", =")).append('=')
                    .append(escape(value, ", =")));
            keys.add(key.toString());
        }
        var rows = page(keys.stream().map(key -> List.<Object>of(key)).toList(), page);
        return rows.isEmpty() ? List.of() : List.of(new InfluxQlResults.Series("", Map.of(), List.of("key"), rows));
    }

    private static String escape(String text, String special) {
        var escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (special.indexOf(c) >= 0) {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    /** The tag sets of the dataset (of one measurement when {@code from} names it) that satisfy {@code condition}. */
    private List<TagSet> tagSets(Connection connection, TenantId tenant, String dataset, Optional<Statement.Source> from,
                                 Optional<Expr> condition, long now, long[] regexBudget) throws SQLException {
        var conditions = new InfluxQlConditions(condition, now, regexBudget);
        if (conditions.hasLowerBound() || conditions.hasUpperBound()) {
            throw new InvalidRequest("SHOW statements take no time condition");
        }
        var measurement = from.map(Statement.Source::measurement);
        if (measurement.filter(name -> name.indexOf('\0') >= 0).isPresent()) {
            return List.of();
        }
        var filter = new SeriesFilter(measurement, Optional.empty(), conditions.requiredTags());
        var sets = new ArrayList<TagSet>();
        store.seriesPage(connection, tenant, dataset, filter, "", "{}", maxSeries + 1, row -> {
            if (sets.size() == maxSeries) {
                throw new InvalidRequest("more than %d series to list; name a measurement with FROM or filter by tags".formatted(maxSeries));
            }
            var tags = tagsOf.parse(row.getString(2));
            var fields = fieldsOf.parse(row.getString(3));
            if (conditions.matches(tags, fields.keySet())) {
                sets.add(new TagSet(row.getString(1), tags, fields));
            }
            return true;
        });
        return sets;
    }

    @FunctionalInterface
    private interface Rows {
        List<List<Object>> of(TagSet set);
    }

    /** One series per measurement (by name): its distinct rows, sorted, paged. */
    private static List<InfluxQlResults.Series> perMeasurement(List<TagSet> sets, List<String> columns, Page page, Rows rows) {
        var byMeasurement = new TreeMap<String, TreeSet<List<Object>>>();
        for (var set : sets) {
            byMeasurement.computeIfAbsent(set.measurement(), m -> new TreeSet<>(InfluxQlShow::compareRows)).addAll(rows.of(set));
        }
        var result = new ArrayList<InfluxQlResults.Series>();
        byMeasurement.forEach((measurement, values) -> {
            var paged = page(List.copyOf(values), page);
            if (!paged.isEmpty()) {
                result.add(new InfluxQlResults.Series(measurement, Map.of(), columns, paged));
            }
        });
        return result;
    }

    private static int compareRows(List<Object> a, List<Object> b) {
        for (int i = 0; i < a.size(); i++) {
            int order = String.valueOf(a.get(i)).compareTo(String.valueOf(b.get(i)));
            if (order != 0) {
                return order;
            }
        }
        return 0;
    }

    private static List<List<Object>> page(List<List<Object>> rows, Page page) {
        int from = (int) Math.min(rows.size(), page.offset());
        int to = page.limit().isPresent() && page.limit().getAsLong() > 0
                ? (int) Math.min(rows.size(), from + page.limit().getAsLong()) : rows.size();
        return rows.subList(from, to);
    }
}
