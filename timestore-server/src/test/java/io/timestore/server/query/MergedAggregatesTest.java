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
        var windows = new TreeMap<Long, List<Double>>();
        model.subMap(start, end).forEach((time, value) ->
                windows.computeIfAbsent(time - Math.floorMod(time, step), window -> new ArrayList<>()).add(value));
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
