package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fast read paths over chunks (docs/data-plane.md, "How a read of chunks is made fast") answer
 * exactly what the rows answer: one dataset's points are folded into chunks and then partly
 * overwritten and extended by hot rows, while a second dataset gets the very same writes and stays
 * all hot rows (read by the plain statements). Every read shape must answer the same over both:
 * raw pages merged in Java (every page size, cursors inside and across chunks), aggregates over
 * points bound as primitive arrays (windows covering whole chunks, partial chunks and ranges that
 * start and end inside a chunk), chunks probed for hot rows once each (overwritten and late points
 * in some chunks only), and InfluxQL reads of several fields of several types at once.
 */
class ChunkedReadPathsTest {
    // 2024-01-01T00:00:00Z: long past the compaction age (1 h).
    private static final long T0 = 1_704_067_200_000_000_000L;
    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final long HOUR = 3_600_000_000_000L;
    private static final int POINTS = 1_000; // 2.8 hours of ten-second points: four hour buckets per series
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    @BeforeAll
    static void tenant() {
        server.tenant("acme");
    }

    private static void dataset(String id) {
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"" + id + "\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private static void write(String dataset, String lines) {
        var written = server.api().post("/api/v2/write?org=acme&bucket=" + dataset + "&precision=ns", lines,
                bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    private static String ok(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** Float v, integer n, unsigned u, boolean up and string note of {@code host}, with jitter. */
    private static String lines(String host, long offset, int count) {
        var lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            long time = T0 + offset + i * TEN_SECONDS + (i % 7) * 1_000L;
            lines.append("m,host=%s v=%d.25,n=%di,u=%su,up=%s,note=\"%s\" %d\n".formatted(host, (i * 13 + offset) % 31 - 9,
                    i % 17 - 8, Long.toUnsignedString(-1L - i % 5), i % 4 == 1, i % 3 == 0 ? "x" : "y", time));
        }
        return lines.toString();
    }

    /**
     * Later writes: overwrites of folded times of h1 in its second hour only (new values, one of
     * another magnitude), points between folded times of h2, and a point after all chunks of h3.
     */
    private static String laterWrites() {
        var lines = new StringBuilder();
        for (int i = 400; i < 420; i++) {
            long time = T0 + i * TEN_SECONDS + (i % 7) * 1_000L; // h1 (offset 0): exactly its folded times
            lines.append("m,host=h1 v=%d.5,n=%di,u=%su,up=true,note=\"new\" %d\n".formatted(1_000 + i, -i, i, time));
        }
        lines.append("m,host=h2 v=-77.5,note=\"late\" %d\n".formatted(T0 + 2 * HOUR + 5));
        lines.append("m,host=h3 n=99i,u=18446744073709551615u %d\n".formatted(T0 + 3 * HOUR + 30 * TEN_SECONDS));
        return lines.toString();
    }

    /** Every page of a raw query, following its cursors, as one JSON array of pages' series. */
    private static String pages(String path) {
        var all = new ArrayList<JsonNode>();
        String cursor = null;
        do {
            var page = json(ok(server.api().get(path + (cursor == null ? "" : "&cursor=" + cursor),
                    bearer(server.tokens().user("acme", "reader")))));
            all.add(page.get("series"));
            cursor = page.has("next_cursor") ? URLEncoder.encode(page.get("next_cursor").asText(), StandardCharsets.UTF_8) : null;
        } while (cursor != null);
        return all.toString();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The answers of the read shapes over {@code dataset}, by a name saying what each is (no cursor text: it names the dataset). */
    private static Map<String, String> reads(String dataset) {
        var answers = new LinkedHashMap<String, String>();
        String base = "/storage/v1/datasets/" + dataset + "/query?epoch=ns";
        String all = base + "&start=" + T0 + "&end=" + (T0 + 4 * HOUR);
        for (int limit : List.of(13, 359, 360, 1_000, 100_000)) {
            answers.put("raw, pages of " + limit, pages(all + "&field=v&limit=" + limit));
        }
        answers.put("raw, every field and host, pages of 2,500", pages(all + "&limit=2500"));
        // Starts and ends inside chunks, and inside the overwritten run of h1.
        String inside = base + "&start=" + (T0 + HOUR + 123 * TEN_SECONDS + 1) + "&end=" + (T0 + 2 * HOUR + 17 * TEN_SECONDS);
        answers.put("raw inside chunks, pages of 50", pages(inside + "&limit=50"));
        var reader = bearer(server.tokens().user("acme", "reader"));
        for (var agg : List.of("avg", "min", "max", "sum", "count", "first", "last", "median", "spread", "stddev", "mode")) {
            for (var step : List.of("1h", "90m", "7m")) {
                answers.put("aggregate %s, step %s".formatted(agg, step), ok(server.api().get(all + "&step=" + step + "&agg=" + agg, reader)));
            }
            answers.put("aggregate %s inside chunks".formatted(agg), ok(server.api().get(inside + "&step=20m&agg=" + agg, reader)));
        }
        answers.put("aggregate percentile", ok(server.api().get(all + "&step=1h&agg=percentile&p=75&field=n", reader)));
        answers.put("aggregate with fill and group", ok(server.api().get(all + "&step=30m&agg=max&fill=linear&group_by=host&field=u", reader)));
        answers.put("aggregate of a tag condition", ok(server.api().get(all + "&step=1h&agg=last&tag.host=~%5Eh%5B12%5D$", reader)));
        String range = " FROM m WHERE time >= %d AND time < %d".formatted(T0, T0 + 4 * HOUR);
        for (var q : List.of("SELECT *" + range + " ORDER BY time DESC LIMIT 1500",
                "SELECT v, note, up" + range + " AND host = 'h1'",
                "SELECT first(note), last(up), max(u), sum(n), mean(v), count(note)" + range + " GROUP BY time(1h), host",
                "SELECT top(v, 4)" + range + " GROUP BY host", "SELECT bottom(n, 2)" + range + " GROUP BY time(1h)")) {
            answers.put("InfluxQL " + q, ok(server.api().get("/query?db=%s&epoch=ns&q=%s".formatted(dataset,
                    URLEncoder.encode(q, StandardCharsets.UTF_8)), reader)));
        }
        return answers;
    }

    @Test
    void reads_of_folded_points_overwritten_in_part_answer_as_the_same_writes_kept_as_rows() {
        dataset("folded");
        dataset("rows");
        String written = lines("h1", 0, POINTS) + lines("h2", 3, POINTS) + lines("h3", 11, POINTS / 3);
        write("folded", written);
        assertThat(server.timestore().compactor().runOnce().orElseThrow().pointsFolded()).isEqualTo(5L * (2 * POINTS + POINTS / 3));
        write("folded", laterWrites());
        write("rows", written); // after the pass: these stay rows until the next one
        write("rows", laterWrites());

        var rows = reads("rows");
        var folded = reads("folded");

        assertThat(rows.get("raw, pages of 1000")).contains("1400.5").contains("-77.5");
        assertThat(rows.get("aggregate count, step 1h")).contains("\"points\"");
        assertThat(folded.keySet()).containsExactlyElementsOf(rows.keySet());
        for (var entry : rows.entrySet()) {
            assertThat(sameAnswer(json(folded.get(entry.getKey())), json(entry.getValue())))
                    .as("%s:%n folded %s%n rows   %s", entry.getKey(), folded.get(entry.getKey()), entry.getValue()).isTrue();
        }
    }

    @Test
    void a_window_covering_whole_chunks_is_answered_from_their_summary_columns_and_a_window_over_part_of_one_from_its_points()
            throws SQLException {
        dataset("summaries");
        write("summaries", lines("s1", 0, 720)); // two hours of points: two chunks per field, one per hour
        server.timestore().compactor().runOnce().orElseThrow();
        String path = "/storage/v1/datasets/summaries/query?epoch=ns&field=v&start=" + T0 + "&end=" + (T0 + 2 * HOUR) + "&agg=sum&step=";
        var reader = bearer(server.tokens().user("acme", "reader"));
        var hours = sums(ok(server.api().get(path + "1h", reader)));
        var halfHours = sums(ok(server.api().get(path + "30m", reader)));
        assertThat(hours).hasSize(2);
        assertThat(halfHours).hasSize(4);
        assertThat(hours.get(0)).isEqualTo(halfHours.get(0) + halfHours.get(1));

        // Change the stored sums, past the server: only a read of the summaries can see it.
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("UPDATE point_chunks SET sum_f = sum_f + 1000000 WHERE dataset_id = 'summaries'"
                     + " AND sum_f IS NOT NULL")) {
            assertThat(statement.executeUpdate()).isEqualTo(2);
        }

        assertThat(sums(ok(server.api().get(path + "1h", reader)))).containsExactly(hours.get(0) + 1_000_000, hours.get(1) + 1_000_000);
        assertThat(sums(ok(server.api().get(path + "30m", reader)))).isEqualTo(halfHours);
    }

    /** The values of the one series of an aggregate's answer. */
    private static List<Double> sums(String answer) {
        var values = new ArrayList<Double>();
        json(answer).get("series").get(0).get("points").forEach(point -> values.add(point.get(1).asDouble()));
        return values;
    }

    /**
     * The same JSON, floats allowed to differ in their last digits only: a float sum (avg, sum,
     * stddev) adds the same values in another order when some come from chunks.
     */
    private static boolean sameAnswer(JsonNode actual, JsonNode expected) {
        return actual.equals((a, b) -> a.isFloatingPointNumber() && b.isFloatingPointNumber()
                ? Math.abs(a.asDouble() - b.asDouble()) <= 1e-12 * Math.max(Math.abs(a.asDouble()), Math.abs(b.asDouble())) ? 0 : 1
                : a.equals(b) ? 0 : 1, expected);
    }
}
