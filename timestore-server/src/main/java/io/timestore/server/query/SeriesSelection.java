package io.timestore.server.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonToken;
import io.timestore.security.TenantId;
import io.timestore.server.points.FieldType;
import io.timestore.server.problems.InvalidRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The series a query reads and how they are grouped: one engine behind both front ends, the
 * native query route ({@link QueryService}) and InfluxQL's SELECT ({@link InfluxQlSelect}). A
 * {@link SeriesFilter}'s equalities find the candidates through the series index; its condition
 * (regular expressions, {@code !=}, OR) is then checked per series in Java
 * ({@link InfluxQlConditions}, with the request's bound on regular expressions); the series left
 * are grouped by the values of the grouping tags, and each group is aggregated per window by one
 * statement ({@link QueryStore#groupAggregate}) and filled by {@link WindowFill}.
 */
final class SeriesSelection {
    /** A selected series with its tags parsed. */
    record Candidate(QueryStore.Series series, Map<String, String> tags) {}

    private SeriesSelection() {}

    /**
     * The series {@code filter} selects that satisfy {@code conditions}, by id; 400 when more than
     * {@code maxPoints} are candidates (each would give a value at least).
     */
    static List<Candidate> select(QueryStore store, Connection connection, TenantId tenant, String dataset, SeriesFilter filter,
                                  InfluxQlConditions conditions, Function<String, Map<String, String>> tagsOf, boolean numericOnly,
                                  int maxPoints) throws SQLException {
        var series = store.series(connection, tenant, dataset, filter, numericOnly, maxPoints + 1);
        if (series.size() > maxPoints) {
            throw new InvalidRequest("the query selects more than %d series; filter by tags".formatted(maxPoints));
        }
        var fields = new HashSet<String>();
        series.forEach(one -> fields.add(one.field()));
        var candidates = new ArrayList<Candidate>();
        for (var one : series) {
            var tags = tagsOf.apply(one.tags());
            if (conditions.matches(tags, fields)) {
                candidates.add(new Candidate(one, tags));
            }
        }
        return candidates;
    }

    /** A series' tags (the stored JSON object of strings) as a map. */
    static Map<String, String> tags(JsonFactory json, String text) {
        var tags = new TreeMap<String, String>();
        try (var parser = json.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("stored tags are not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                var key = parser.currentName();
                parser.nextToken();
                tags.put(key, parser.getText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tags;
    }

    /** Candidates by their {@code key} (compared value by value), in the order of the keys. */
    static Map<List<String>, List<Candidate>> group(List<Candidate> candidates, Function<Candidate, List<String>> key) {
        var groups = new TreeMap<List<String>, List<Candidate>>((a, b) -> {
            for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                int order = a.get(i).compareTo(b.get(i));
                if (order != 0) {
                    return order;
                }
            }
            return Integer.compare(a.size(), b.size());
        });
        for (var candidate : candidates) {
            groups.computeIfAbsent(key.apply(candidate), k -> new ArrayList<>()).add(candidate);
        }
        return groups;
    }

    /** The values of the tags {@code keys} of a candidate, a missing tag as "" (as InfluxDB compares it). */
    static List<String> tagValues(Candidate candidate, List<String> keys) {
        var values = new ArrayList<String>(keys.size());
        keys.forEach(key -> values.add(candidate.tags().getOrDefault(key, "")));
        return values;
    }

    /**
     * {@code aggregate} over all points of the series {@code ids} (all of {@code type}) per window
     * ({@link Windows}: of a fixed step, or local days), or over the whole range without windows
     * (bucket 0): window start → value. With {@code selectedTime} (a selector's), it receives the
     * time of the point the selector chose.
     */
    static Map<Long, Object> aggregate(QueryStore store, Connection connection, TenantId tenant, String dataset, List<Long> ids,
                                       FieldType type, QueryStore.TimeRange range, Optional<Windows> windows, Aggregate aggregate,
                                       double argument, Optional<LongConsumer> selectedTime) throws SQLException {
        var byWindow = new HashMap<Long, Object>();
        if (!ids.isEmpty() && range.end() > range.start()) {
            long stepNanos = windows.map(Windows::stepNanos).orElse(0L);
            store.groupAggregate(connection, tenant, dataset, ids, type, range, stepNanos, windows.flatMap(Windows::zone), aggregate,
                    argument, selectedTime.isPresent(), row -> {
                        long bucket = row.getLong(1);
                        byWindow.put(windows.isPresent() ? windows.get().fromBucket(bucket) : bucket, row.getObject(2));
                        if (selectedTime.isPresent() && row.getObject(3) != null) {
                            selectedTime.get().accept(row.getLong(3));
                        }
                        return true;
                    });
        }
        return byWindow;
    }
}
