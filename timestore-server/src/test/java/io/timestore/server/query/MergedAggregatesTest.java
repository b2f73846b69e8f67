package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The aggregates of a float series evaluated in Java ({@link MergedAggregates}) answer the last
 * write of every time, wherever it is stored: folded into chunks (whole chunks through their
 * summary columns, others decoded), in batch rows of several writes overwriting each other and the
 * chunks, written in descending time order, and in row-per-point rows. The expected answers come
 * from a model of the writes kept by this test, not from the server.
 */
class MergedAggregatesTest {
    // 2024-01-01T00:00:00Z: long past the compaction age (1 h).
    private static final long T0 = 1_704_067_200_000_000_000L;
    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final long MINUTE = 60_000_000_000L;
    private static final long HOUR = 60 * MINUTE;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    /** The series' value at each time, as the last write left it. */
    private final TreeMap<Long, Double> model = new TreeMap<>();

    @BeforeAll
    static void tenant() {
        server.tenant("acme");
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"merged\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private void write(List<Long> times, int salt) {
        var lines = new StringBuilder();
        for (long time : times) {
            double value = ((time / TEN_SECONDS + salt) % 41 - 20) * 1.25 + salt * 0.001;
            lines.append("m,host=h1 v=%s %d\n".formatted(Double.toString(value), time));
            model.put(time, value);
        }
        var written = server.api().post("/api/v2/write?org=acme&bucket=merged&precision=ns", lines.toString(),
                bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    private static List<Long> everyTenSeconds(int from, int to, long offset) {
        var times = new ArrayList<Long>();
        for (int i = from; i < to; i++) {
            times.add(T0 + i * TEN_SECONDS + offset);
        }
        return times;
    }

    /** A row-per-point row (as written before batch rows existed), stored past the server. */
    private void pointRow(long time, double value, boolean winsOverModel) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("""
                     INSERT INTO point_rows (tenant_id, dataset_id, series_id, ts_ns, f)
                     SELECT tenant_id, dataset_id, id, ?, ? FROM series WHERE tenant_id = 'acme' AND dataset_id = 'merged'""")) {
            statement.setLong(1, time);
            statement.setDouble(2, value);
            assertThat(statement.executeUpdate()).isEqualTo(1);
        }
        if (winsOverModel) {
            model.put(time, value);
        }
    }

    @Test
    void aggregates_of_a_float_series_answer_the_last_write_of_every_time_wherever_it_is_stored() throws Exception {
        write(everyTenSeconds(0, 1_080, 0), 0); // three hours
        assertThat(server.timestore().compactor().runOnce().orElseThrow().pointsFolded()).isEqualTo(1_080L);
        // Hour 0: new times between folded ones; hour 1: folded times overwritten, some twice, in descending order.
        write(everyTenSeconds(100, 110, 5_000_000_000L), 1);
        write(everyTenSeconds(400, 420, 0).reversed(), 2);
        write(everyTenSeconds(405, 410, 0), 3);
        // A row-per-point row wins over a chunk point and loses to any batch row of the same time.
        pointRow(T0 + 600 * TEN_SECONDS, 999.5, true);
        pointRow(T0 + 405 * TEN_SECONDS, -999.5, false);
        pointRow(T0 + 700 * TEN_SECONDS + 1, 12.75, true);

        var reader = bearer(server.tokens().user("acme", "reader"));
        for (long step : List.of(HOUR, 7 * MINUTE, 90 * MINUTE)) {
            for (var range : List.of(new long[] {T0, T0 + 3 * HOUR}, new long[] {T0 + 95 * TEN_SECONDS + 1, T0 + 2 * HOUR + 7})) {
                for (var agg : List.of("avg", "sum", "min", "max", "count", "first", "last", "spread")) {
                    var answer = server.api().get("/storage/v1/datasets/merged/query?epoch=ns&field=v&start=%d&end=%d&step=%dm&agg=%s"
                            .formatted(range[0], range[1], step / MINUTE, agg), reader);
                    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                    var expected = expected(agg, step, range[0], range[1]);
                    var actual = new TreeMap<Long, Double>();
                    JSON.readTree(answer.body()).get("series").get(0).get("points").forEach(point -> {
                        if (!point.get(1).isNull()) {
                            actual.put(point.get(0).asLong(), point.get(1).asDouble());
                        }
                    });
                    assertThat(actual.keySet()).as("%s, step %d min, %s", agg, step / MINUTE, answer.body())
                            .containsExactlyElementsOf(expected.keySet());
                    expected.forEach((window, value) -> assertThat(actual.get(window))
                            .as("%s at window %d, step %d min", agg, window, step / MINUTE)
                            .isCloseTo(value, org.assertj.core.data.Offset.offset(Math.max(Math.abs(value) * 1e-12, 1e-9))));
                }
            }
        }
    }

    @Test
    void a_chunk_whose_summaries_stand_for_it_is_read_without_its_data() throws Exception {
        // A dataset of its own: one hour of points, folded into one chunk.
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"summarized\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var lines = new StringBuilder();
        for (long time : everyTenSeconds(4 * 360, 5 * 360, 0)) {
            lines.append("m v=1.5 %d\n".formatted(time));
        }
        var written = server.api().post("/api/v2/write?org=acme&bucket=summarized&precision=ns", lines.toString(),
                bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        assertThat(server.timestore().compactor().runOnce().orElseThrow().chunksWritten()).isPositive();

        var hourLong = new QueryStore.TimeRange(T0 + 4 * HOUR, T0 + 5 * HOUR);
        assertThat(dataLeftOut(hourLong, HOUR)).as("one window: the summaries answer").containsExactly(true);
        assertThat(dataLeftOut(hourLong, 7 * MINUTE)).as("seven-minute windows: the points are needed").containsExactly(false);
        assertThat(dataLeftOut(new QueryStore.TimeRange(T0 + 4 * HOUR + 1, T0 + 5 * HOUR), HOUR))
                .as("the range cuts the chunk").containsExactly(false);
    }

    /**
     * The read's three statements travel in one execution and are fetched on piece by piece
     * (docs/data-plane.md, "How an aggregate is evaluated"): here each returns more rows than its
     * first piece, for two series, so every later fetch happens with the other statements open.
     */
    @Test
    void a_read_longer_than_its_first_piece_fetches_every_statement_on_to_the_end() throws Exception {
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"pieces\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var hosts = List.of("h1", "h2");
        var models = Map.of("h1", new TreeMap<Long, Double>(), "h2", new TreeMap<Long, Double>());
        int hours = 40; // 40 chunks a series, more than the 32 of the first piece
        var folded = new StringBuilder();
        for (long time : everyTenSeconds(0, hours * 360, 0)) {
            for (int h = 0; h < hosts.size(); h++) {
                double value = (time / TEN_SECONDS % 97) * 0.5 + h;
                folded.append("m,host=%s v=%s %d\n".formatted(hosts.get(h), Double.toString(value), time));
                models.get(hosts.get(h)).put(time, value);
            }
        }
        writePieces(folded.toString());
        server.timestore().compactor().runOnce().orElseThrow();
        try (var superuser = server.postgres().superuser(server.database());
             var chunks = superuser.createStatement().executeQuery(
                     "SELECT count(*) FROM point_chunks WHERE tenant_id = 'acme' AND dataset_id = 'pieces'")) {
            chunks.next();
            assertThat(chunks.getLong(1)).isEqualTo(2L * hours);
        }
        // 70 writes after the fold: 70 batch rows a series (more than the 32 of the first piece and the 64 of the next ones).
        for (int i = 0; i < 70; i++) {
            long time = T0 + i * 31 * MINUTE + 3;
            var lines = new StringBuilder();
            for (int h = 0; h < hosts.size(); h++) {
                double value = -i - h * 0.25;
                lines.append("m,host=%s v=%s %d\n".formatted(hosts.get(h), Double.toString(value), time));
                models.get(hosts.get(h)).put(time, value);
            }
            writePieces(lines.toString());
        }
        // 100 row-per-point rows a series, at times of their own (they lose to nothing there).
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("""
                     INSERT INTO point_rows (tenant_id, dataset_id, series_id, ts_ns, f)
                     SELECT s.tenant_id, s.dataset_id, s.id, ? + g * ?, g * 0.75 + s.id
                     FROM series s, generate_series(0, 99) g WHERE s.tenant_id = 'acme' AND s.dataset_id = 'pieces'
                     RETURNING series_id, ts_ns, f""")) {
            statement.setLong(1, T0 + 7);
            statement.setLong(2, 23 * MINUTE);
            try (var rows = statement.executeQuery(); var names = superuser.createStatement().executeQuery("""
                    SELECT id, tags ->> 'host' FROM series WHERE tenant_id = 'acme' AND dataset_id = 'pieces'""")) {
                var hostOf = new java.util.HashMap<Long, String>();
                while (names.next()) {
                    hostOf.put(names.getLong(1), names.getString(2));
                }
                int inserted = 0;
                while (rows.next()) {
                    models.get(hostOf.get(rows.getLong(1))).put(rows.getLong(2), rows.getDouble(3));
                    inserted++;
                }
                assertThat(inserted).isEqualTo(200);
            }
        }

        var reader = bearer(server.tokens().user("acme", "reader"));
        for (var agg : List.of("avg", "count", "last")) {
            var answer = server.api().get("/storage/v1/datasets/pieces/query?epoch=ns&field=v&start=%d&end=%d&step=7m&agg=%s"
                    .formatted(T0, T0 + hours * HOUR, agg), reader);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            var series = JSON.readTree(answer.body()).get("series");
            assertThat(series).hasSize(2);
            for (var one : series) {
                var host = one.get("tags").get("host").asText();
                var expected = expected(models.get(host), agg, 7 * MINUTE, T0, T0 + hours * HOUR);
                var actual = new TreeMap<Long, Double>();
                one.get("points").forEach(point -> actual.put(point.get(0).asLong(), point.get(1).asDouble()));
                assertThat(actual.keySet()).as("%s of %s", agg, host).containsExactlyElementsOf(expected.keySet());
                expected.forEach((window, value) -> assertThat(actual.get(window)).as("%s of %s at %d", agg, host, window)
                        .isCloseTo(value, org.assertj.core.data.Offset.offset(Math.max(Math.abs(value) * 1e-12, 1e-9))));
            }
        }
    }

    /**
     * Windows are found without a division for most points (the open window's span is tested
     * first): around the epoch, where times are negative, and at the ends of int64, where the
     * earliest window is not a step wide, they still hold what the model's windows hold.
     */
    @Test
    void windows_before_the_epoch_and_at_the_ends_of_int64_hold_the_points_the_model_puts_in_them() throws Exception {
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"extremes\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var points = new TreeMap<Long, Double>();
        for (long time = -40 * MINUTE + 3; time < 40 * MINUTE; time += 7_000_000_000L) {
            points.put(time, (double) (time / 7_000_000_000L % 13) - 6.5);
        }
        // The earliest windows end 47.3 min (1 h steps) and 4.3 min (7 min steps) after Long.MIN_VALUE.
        for (long time : List.of(Long.MIN_VALUE + 2, Long.MIN_VALUE + 3, Long.MIN_VALUE + 5 * MINUTE, Long.MIN_VALUE + 30 * MINUTE,
                Long.MIN_VALUE + 50 * MINUTE, Long.MIN_VALUE + 150 * MINUTE, Long.MAX_VALUE - 150 * MINUTE, Long.MAX_VALUE - 2)) {
            points.put(time, time % 1_000 * 0.5);
        }
        writeExtremes("m", points);
        // Two points of a series of their own, more than Long.MAX_VALUE apart.
        var far = new TreeMap<Long, Double>(Map.of(-5_000_000_000_000_000_000L, 1.5, Long.MAX_VALUE - 2, 2.5));
        writeExtremes("far", far);
        assertThat(server.timestore().compactor().runOnce().orElseThrow().pointsFolded()).isPositive();
        // Hot points in and between folded ones after the fold.
        var later = new TreeMap<Long, Double>();
        for (long time = -20 * MINUTE + 3; time < 20 * MINUTE; time += 35_000_000_000L) {
            later.put(time, -100.0 - time / 35_000_000_000L);
            later.put(time + 1, 100.5);
        }
        writeExtremes("m", later);
        points.putAll(later);

        var reader = bearer(server.tokens().user("acme", "reader"));
        var ranges = List.of(new long[] {-40 * MINUTE, 40 * MINUTE, MINUTE}, new long[] {-40 * MINUTE + 1, 40 * MINUTE, 7 * MINUTE},
                new long[] {Long.MIN_VALUE, Long.MIN_VALUE + 4 * HOUR, HOUR}, new long[] {Long.MIN_VALUE, Long.MIN_VALUE + 4 * HOUR, 7 * MINUTE},
                new long[] {Long.MAX_VALUE - 4 * HOUR, Long.MAX_VALUE, HOUR}, new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 100_000_000 * MINUTE});
        for (var range : ranges) {
            for (var agg : List.of("avg", "count", "min", "first", "last")) {
                boolean wide = range[2] == 100_000_000 * MINUTE;
                var answer = server.api().get("/storage/v1/datasets/extremes/query?epoch=ns&measurement=%s&field=v&start=%d&end=%d&step=%dm&agg=%s"
                        .formatted(wide ? "far" : "m", range[0], range[1], range[2] / MINUTE, agg), reader);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                var expected = expected(wide ? far : points, agg, range[2], range[0], range[1]);
                var actual = new TreeMap<Long, Double>();
                JSON.readTree(answer.body()).get("series").get(0).get("points")
                        .forEach(point -> actual.put(point.get(0).asLong(), point.get(1).asDouble()));
                assertThat(actual).as("%s over [%d, %d) by %d min", agg, range[0], range[1], range[2] / MINUTE)
                        .containsExactlyEntriesOf(expected);
            }
        }
    }

    private void writeExtremes(String measurement, TreeMap<Long, Double> points) {
        var lines = new StringBuilder();
        points.forEach((time, value) -> lines.append("%s v=%s %d\n".formatted(measurement, Double.toString(value), time)));
        var written = server.api().post("/api/v2/write?org=acme&bucket=extremes&precision=ns", lines.toString(),
                bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    /**
     * What the read's memory bound rests on: pgjdbc runs each statement of one execution with a
     * fetch size through a portal of its own, all open at once, each fetched on as it is read.
     */
    @Test
    void the_driver_fetches_each_statement_of_one_execution_through_a_portal_of_its_own() throws Exception {
        try (var superuser = server.postgres().superuser(server.database())) {
            superuser.setAutoCommit(false);
            try (var statement = superuser.prepareStatement(
                    "SELECT g FROM generate_series(1, ?) g;\nSELECT -g FROM generate_series(1, ?) g;\nSELECT g * 2 FROM generate_series(1, ?) g")) {
                for (int i = 1; i <= 3; i++) {
                    statement.setInt(i, 100);
                }
                statement.setFetchSize(3);
                statement.execute();
                var results = new ArrayList<java.sql.ResultSet>();
                results.add(statement.getResultSet());
                while (statement.getMoreResults(java.sql.Statement.KEEP_CURRENT_RESULT)) {
                    results.add(statement.getResultSet());
                }
                try (var portals = superuser.createStatement().executeQuery(
                        "SELECT count(*) FROM pg_cursors WHERE name <> '' AND statement LIKE '%generate_series(1, $1)%'")) {
                    portals.next();
                    assertThat(portals.getInt(1)).as("open portals").isEqualTo(3);
                }
                results.get(1).setFetchSize(50);
                var sums = new ArrayList<Long>();
                for (var result : results) {
                    long sum = 0;
                    while (result.next()) {
                        sum += result.getLong(1);
                    }
                    sums.add(sum);
                }
                assertThat(sums).containsExactly(5_050L, -5_050L, 10_100L);
            } finally {
                superuser.rollback();
            }
        }
    }

    private void writePieces(String lines) {
        var written = server.api().post("/api/v2/write?org=acme&bucket=pieces&precision=ns", lines,
                bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    /** For each chunk the aggregate's chunk statement returns, whether it left out the chunk's data. */
    private List<Boolean> dataLeftOut(QueryStore.TimeRange range, long step) throws SQLException {
        var leftOut = new ArrayList<Boolean>();
        try (var superuser = server.postgres().superuser(server.database());
             var ids = superuser.createStatement().executeQuery("SELECT id FROM series WHERE tenant_id = 'acme' AND dataset_id = 'summarized'")) {
            ids.next();
            try (var statement = MergedAggregates.prepareChunks(superuser, new io.timestore.security.TenantId("acme"), "summarized",
                    new long[] {ids.getLong(1)}, range, step); var rows = statement.executeQuery()) {
                while (rows.next()) {
                    leftOut.add(rows.getBytes(10) == null);
                }
            }
        }
        return leftOut;
    }

    /** The aggregate per window of the model's points in [start, end). */
    private Map<Long, Double> expected(String agg, long step, long start, long end) {
        return expected(model, agg, step, start, end);
    }

    /** The start of the window holding {@code time}; the earliest int64 for one that would start before it. */
    private static long window(long time, long step) {
        try {
            return Math.multiplyExact(Math.floorDiv(time, step), step);
        } catch (ArithmeticException beforeTheEarliestInt64) {
            return Long.MIN_VALUE;
        }
    }

    /** The aggregate per window of {@code points} in [start, end). */
    private static Map<Long, Double> expected(TreeMap<Long, Double> points, String agg, long step, long start, long end) {
        var windows = new TreeMap<Long, List<Double>>();
        points.subMap(start, end).forEach((time, value) ->
                windows.computeIfAbsent(window(time, step), window -> new ArrayList<>()).add(value));
        var result = new TreeMap<Long, Double>();
        windows.forEach((window, values) -> {
            double sum = 0;
            for (double value : values) {
                sum += value;
            }
            double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            result.put(window, switch (agg) {
                case "avg" -> sum / values.size();
                case "sum" -> sum;
                case "min" -> min;
                case "max" -> max;
                case "count" -> (double) values.size();
                case "first" -> values.getFirst();
                case "last" -> values.getLast();
                case "spread" -> max - min;
                default -> throw new IllegalArgumentException(agg);
            });
        });
        return result;
    }
}
