package io.timestore.server.points;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.micrometer.core.instrument.Timer;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.db.TenantWork;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.InvalidRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Runs queries and writes their JSON as the rows arrive from the database cursor: no list of
 * points is built. The encoded response is held until the request's audit event is durable (G4:
 * nothing is acknowledged before), so its size is bounded by {@link PointsSettings#maxPointsPerQuery()}.
 *
 * <p>Every query runs in the caller's tenant transaction ({@link #read}) and reads the dataset of {@code owner}:
 * the caller's own tenant, or the owner of a dataset shared with it, whose rows row-level
 * security shows the caller only while the share exists.
 */
public final class QueryService {
    /** Where a raw page ends: the last (series, time) returned, when more follow. */
    record Position(long series, long time) {}

    /** A raw query's page; {@code next} is present when more points follow. */
    record RawPage(byte[] json, int points, Optional<Position> next) {}

    private final Transactions transactions;
    private final JsonFactory json;
    private final QueryStore store = new QueryStore();
    private final PointsMetrics metrics;

    public QueryService(Transactions transactions, JsonFactory json) {
        this(transactions, json, PointsMetrics.none());
    }

    public QueryService(Transactions transactions, JsonFactory json, PointsMetrics metrics) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.json = Objects.requireNonNull(json, "json");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Runs one read in the caller's tenant transaction, timed as a query of {@code kind}: the
     * route resolves and authorizes the dataset and then queries it in the same transaction, so a
     * read costs one transaction. (READ COMMITTED: a dataset deleted between the lookup and the
     * query reads as empty; row-level security still shows nothing of another tenant.) Its
     * statements run on their generic plans ({@link Transactions#inTenantWithGenericPlans}).
     */
    <T> T read(SecurityContext security, String kind, TenantWork<T> work) {
        // Only reads that answer are timed: a 404, 403 or 400 would pull the percentiles down.
        var sample = Timer.start();
        T result = transactions.inTenantWithGenericPlans(security.tenant(), work);
        sample.stop(metrics.queryTimer(kind));
        return result;
    }

    /** Raw points by (series, time) after {@code after}, at most {@code limit}; {@code next_cursor} when more follow. */
    RawPage raw(Connection connection, TenantId owner, String dataset, SeriesFilter filter, QueryStore.TimeRange range,
                Position after, int limit, boolean epochNanos, Function<Position, String> cursor) throws SQLException {
        var out = new ByteArrayOutputStream();
        try (var writer = new SeriesWriter(json.createGenerator(out), epochNanos)) {
            var page = new RawSink(writer, limit);
            store.raw(connection, owner, dataset, filter, range, after.series(), after.time(), limit + 1, page);
            writer.finish();
            if (page.more) {
                writer.generator.writeStringField("next_cursor", cursor.apply(page.last));
            }
            writer.close();
            return new RawPage(out.toByteArray(), page.count, page.more ? Optional.of(page.last) : Optional.empty());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Aggregates per series and step; 400 once more than {@code maxPoints} buckets would be
     * returned. One statement per field type among the selected series, their cursors merged by
     * series id, so series come out in id order as in a raw query.
     */
    byte[] aggregate(Connection connection, TenantId owner, String dataset, SeriesFilter filter, QueryStore.TimeRange range,
                     long stepNanos, Aggregate aggregate, int maxPoints, boolean epochNanos) throws SQLException {
        var selected = store.series(connection, owner, dataset, filter, aggregate.numericOnly(), maxPoints + 1);
        var byId = new HashMap<Long, QueryStore.Series>();
        var byType = new EnumMap<FieldType, List<QueryStore.Series>>(FieldType.class);
        for (var series : selected) {
            byId.put(series.id(), series);
            byType.computeIfAbsent(series.type(), type -> new ArrayList<>()).add(series);
        }
        var out = new ByteArrayOutputStream();
        var cursors = new ArrayList<QueryStore.AggregateRows>(byType.size());
        try (var writer = new SeriesWriter(json.createGenerator(out), epochNanos)) {
            for (var ofOneType : byType.values()) {
                var cursor = store.openAggregate(connection, owner, dataset, ofOneType, range, stepNanos, aggregate);
                cursors.add(cursor);
                cursor.next();
            }
            int total = 0;
            for (var cursor = lowestSeries(cursors); cursor != null; cursor = lowestSeries(cursors)) {
                var series = byId.get(cursor.series());
                var resultType = aggregate.resultType(series.type());
                writer.startSeries(series.measurement(), series.tags(), series.field(), resultType);
                do {
                    if (++total > maxPoints) {
                        throw tooMany(maxPoints);
                    }
                    writer.point(cursor.bucket(), cursor.value(), resultType);
                } while (cursor.next() && cursor.series() == series.id());
                writer.endSeriesIfOpen();
            }
            writer.finish();
            writer.close();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (var cursor : cursors) {
                cursor.close();
            }
        }
    }

    /** The cursor whose current row has the lowest series id, or null when all are done. */
    private static QueryStore.AggregateRows lowestSeries(List<QueryStore.AggregateRows> cursors) throws SQLException {
        QueryStore.AggregateRows lowest = null;
        for (var cursor : cursors) {
            if (cursor.hasRow() && (lowest == null || cursor.series() < lowest.series())) {
                lowest = cursor;
            }
        }
        return lowest;
    }

    /** A page of series (measurement, tags, fields with types) after the given position, as {"items", "next_cursor"?}. */
    byte[] series(Connection connection, TenantId owner, String dataset, SeriesFilter filter, String afterMeasurement,
                  String afterTags, int limit, BiFunction<String, String, String> cursor) throws SQLException {
        var out = new ByteArrayOutputStream();
        try (var generator = json.createGenerator(out)) {
            generator.writeStartObject();
            generator.writeArrayFieldStart("items");
            String[] last = new String[2];
            int[] count = {0};
            boolean[] more = {false};
            store.seriesPage(connection, owner, dataset, filter, afterMeasurement, afterTags, limit + 1, row -> {
                if (count[0] == limit) {
                    more[0] = true;
                    return false;
                }
                count[0]++;
                last[0] = row.getString(1);
                last[1] = row.getString(2);
                writeSeriesItem(generator, last[0], last[1], row.getString(3));
                return true;
            });
            generator.writeEndArray();
            if (more[0]) {
                generator.writeStringField("next_cursor", cursor.apply(last[0], last[1]));
            }
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeSeriesItem(JsonGenerator generator, String measurement, String tags, String fields) {
        try {
            generator.writeStartObject();
            generator.writeStringField("measurement", measurement);
            generator.writeFieldName("tags");
            generator.writeRawValue(tags);
            generator.writeFieldName("fields");
            generator.writeRawValue(fields);
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InvalidRequest tooMany(int maxPoints) {
        return new InvalidRequest("the query would return more than %d points; narrow the time range, use a larger step or filter series"
                .formatted(maxPoints));
    }

    /** Writes raw rows, grouping consecutive rows of one series. */
    private static final class RawSink implements QueryStore.RowSink {
        private final SeriesWriter writer;
        private final int limit;
        private int count;
        private boolean more;
        private Position last;
        private long current = Long.MIN_VALUE;

        RawSink(SeriesWriter writer, int limit) {
            this.writer = writer;
            this.limit = limit;
        }

        @Override
        public boolean accept(ResultSet row) throws SQLException {
            if (count == limit) {
                more = true;
                return false;
            }
            long series = row.getLong(1);
            var type = FieldType.fromLowercaseName(row.getString(5));
            if (series != current) {
                writer.endSeriesIfOpen();
                writer.startSeries(row.getString(2), row.getString(3), row.getString(4), type);
                current = series;
            }
            long time = row.getLong(6);
            writer.point(time, storedValue(row, type), type);
            count++;
            last = new Position(series, time);
            return true;
        }

        private static Object storedValue(ResultSet row, FieldType type) throws SQLException {
            return switch (type) {
                case FLOAT -> row.getDouble(7);
                case INTEGER -> row.getLong(8);
                case UNSIGNED -> new BigDecimal(Long.toUnsignedString(row.getLong(8)));
                case BOOLEAN -> row.getBoolean(9);
                case STRING -> row.getString(10);
            };
        }
    }

    /** {"series": [{"measurement", "tags", "field", "type", "points": [[time, value], ...]}, ...] */
    private static final class SeriesWriter implements AutoCloseable {
        private final JsonGenerator generator;
        private final boolean epochNanos;
        private boolean open;

        SeriesWriter(JsonGenerator generator, boolean epochNanos) throws IOException {
            this.generator = generator;
            this.epochNanos = epochNanos;
            generator.writeStartObject();
            generator.writeArrayFieldStart("series");
        }

        void startSeries(String measurement, String tags, String field, FieldType type) {
            try {
                generator.writeStartObject();
                generator.writeStringField("measurement", measurement);
                generator.writeFieldName("tags");
                generator.writeRawValue(tags);
                generator.writeStringField("field", field);
                generator.writeStringField("type", type.lowercaseName());
                generator.writeArrayFieldStart("points");
                open = true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void point(long time, Object value, FieldType type) {
            try {
                generator.writeStartArray();
                if (epochNanos) {
                    generator.writeNumber(time);
                } else {
                    generator.writeString(Times.format(time));
                }
                writeValue(value, type);
                generator.writeEndArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        // Integers and unsigned integers are written as exact JSON numbers, never through a double.
        private void writeValue(Object value, FieldType type) throws IOException {
            switch (value) {
                case null -> generator.writeNull();
                case Double d -> generator.writeNumber(d);
                case Long l -> generator.writeNumber(l);
                case BigDecimal b -> generator.writeNumber(b.toPlainString());
                case Boolean b -> generator.writeBoolean(b);
                case String s -> generator.writeString(s);
                case Number n -> generator.writeNumber(n.toString());
                default -> throw new IllegalStateException("unexpected %s value %s".formatted(type, value.getClass()));
            }
        }

        void endSeriesIfOpen() {
            if (!open) {
                return;
            }
            try {
                generator.writeEndArray();
                generator.writeEndObject();
                open = false;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void finish() throws IOException {
            endSeriesIfOpen();
            generator.writeEndArray();
        }

        /** Closes the document (call after {@link #finish} and any trailing members). */
        @Override
        public void close() throws IOException {
            if (!generator.isClosed()) {
                generator.writeEndObject();
                generator.close();
            }
        }
    }
}
