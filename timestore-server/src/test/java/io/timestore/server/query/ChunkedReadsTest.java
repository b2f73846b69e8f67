package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reads merge chunks with hot rows (docs/data-plane.md, "Reads merge chunks and hot rows"): every
 * query shape answers the same before and after the compactor folds the points into chunks, a
 * later write of a folded time wins over the chunk, and a read during a compaction pass sees no
 * point missing or doubled. Passes run on the test's thread ({@code runOnce}).
 */
class ChunkedReadsTest {
    // 2024-01-01T00:00:00Z: long past the compaction age (1 h).
    private static final long T0 = 1_704_067_200_000_000_000L;
    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final long HOUR = 3_600_000_000_000L;
    private static final int POINTS = 900; // 2.5 hours of ten-second points: three hour buckets per series
    private static final String SCOPE = "acme.merged.read";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    @BeforeAll
    static void tenants() {
        server.tenant("acme").tenant("globex");
    }

    private static void dataset(String id) {
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"" + id + "\"}", admin());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private static String[] admin() {
        return bearer(server.tokens().user("acme", "tenant-admin"));
    }

    private static String[] reader() {
        return bearer(server.tokens().user("acme", "reader"));
    }

    private static void write(String dataset, String lines) {
        var written = server.api().post("/api/v2/write?org=acme&bucket=" + dataset + "&precision=ns", lines,
                bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    /** Float v, integer n, unsigned u, boolean up and string note of {@code host}, jittered by {@code offset}. */
    private static String lines(String host, long offset, int count) {
        var lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            long time = T0 + offset + i * TEN_SECONDS + (i % 5) * 1_000L;
            lines.append("m,host=%s v=%d.5,n=%di,u=%su,up=%s,note=\"%s\" %d\n".formatted(host, (i * 7 + offset) % 23, i % 11 - 5,
                    Long.toUnsignedString(-1L - i % 4), i % 3 == 0, i % 4 == 0 ? "a" : "b", time));
        }
        return lines.toString();
    }

    private static long compact() {
        return server.timestore().compactor().runOnce().orElseThrow().pointsFolded();
    }

    private static String ok(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** Every page of a raw query, following its cursors. */
    private static String pages(String path) {
        var all = new ArrayList<String>();
        String cursor = null;
        do {
            var body = ok(server.api().get(path + (cursor == null ? "" : "&cursor=" + cursor), reader()));
            all.add(body);
            try {
                var next = JSON.readTree(body).get("next_cursor");
                cursor = next == null ? null : URLEncoder.encode(next.asText(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        } while (cursor != null);
        return "[" + String.join(",", all) + "]";
    }

    private static String influxql(String dataset, String q) {
        return ok(server.api().get("/query?db=%s&epoch=ns&q=%s".formatted(dataset, URLEncoder.encode(q, StandardCharsets.UTF_8)), reader()));
    }

    /** The answer of every query shape, by a name saying what it is. */
    private static Map<String, String> everyRead(String dataset) {
        var answers = new LinkedHashMap<String, String>();
        String base = "/storage/v1/datasets/" + dataset + "/query?epoch=ns&start=" + T0 + "&end=" + (T0 + 3 * HOUR);
        answers.put("raw, paged", pages(base + "&limit=700"));
        answers.put("raw, one field of one host, paged", pages(base + "&measurement=m&field=v&tag.host=h2&limit=333"));
        answers.put("raw, a range inside a chunk", pages("/storage/v1/datasets/" + dataset + "/query?epoch=ns&field=n&start="
                + (T0 + HOUR + 7 * TEN_SECONDS) + "&end=" + (T0 + HOUR + 40 * TEN_SECONDS)));
        for (var agg : List.of("avg", "min", "max", "sum", "count", "first", "last", "median", "spread", "stddev", "mode")) {
            answers.put("aggregate " + agg, ok(server.api().get(base + "&step=7m&agg=" + agg, reader())));
        }
        answers.put("aggregate percentile", ok(server.api().get(base + "&step=13m&agg=percentile&p=90&field=v", reader())));
        answers.put("aggregate grouped by host", ok(server.api().get(base + "&step=20m&agg=avg&group_by=host&field=v", reader())));
        for (var fill : List.of("null", "previous", "linear", "0")) {
            answers.put("aggregate with fill " + fill, ok(server.api().get("/storage/v1/datasets/" + dataset
                    + "/query?epoch=ns&field=v&tag.host=h3&agg=max&step=5m&fill=" + fill + "&start=" + T0 + "&end=" + (T0 + 4 * HOUR),
                    reader())));
        }
        answers.put("aggregate in local days", ok(server.api().get(base + "&step=1d&agg=count&tz=Europe/Berlin", reader())));
        String range = " FROM m WHERE time >= %d AND time < %d".formatted(T0, T0 + 3 * HOUR);
        answers.put("InfluxQL raw", influxql(dataset, "SELECT v, n, up, note" + range + " AND host = 'h1'"));
        answers.put("InfluxQL raw descending, limited", influxql(dataset, "SELECT *" + range + " ORDER BY time DESC LIMIT 40"));
        answers.put("InfluxQL aggregates by time and host", influxql(dataset, "SELECT mean(v), max(n), count(note), first(u), last(up),"
                + " median(v), percentile(n, 75), spread(u), stddev(v), mode(note)" + range + " GROUP BY time(10m), host fill(none)"));
        answers.put("InfluxQL whole range", influxql(dataset, "SELECT sum(v), count(v), min(u)" + range));
        answers.put("InfluxQL top", influxql(dataset, "SELECT top(v, 5)" + range + " GROUP BY host"));
        answers.put("InfluxQL bottom", influxql(dataset, "SELECT bottom(n, 3)" + range + " GROUP BY time(1h)"));
        answers.put("InfluxQL distinct", influxql(dataset, "SELECT distinct(n)" + range + " GROUP BY time(30m)"));
        answers.put("InfluxQL SHOW SERIES", influxql(dataset, "SHOW SERIES"));
        answers.put("InfluxQL SHOW FIELD KEYS", influxql(dataset, "SHOW FIELD KEYS"));
        answers.put("InfluxQL SHOW TAG VALUES", influxql(dataset, "SHOW TAG VALUES WITH KEY = host"));
        answers.put("series listing", ok(server.api().get("/storage/v1/datasets/" + dataset + "/series", reader())));
        answers.put("shared dataset read", ok(server.api().get("/storage/v1/shared/acme/datasets/" + dataset
                + "/query?epoch=ns&field=v&step=30m&agg=avg&start=" + T0 + "&end=" + (T0 + 3 * HOUR),
                bearer(server.tokens().scoped("globex", SCOPE)))));
        answers.put("shared dataset read through InfluxQL", ok(server.api().get("/query?db=acme/%s&epoch=ns&q=%s".formatted(dataset,
                URLEncoder.encode("SELECT count(v), last(note)" + range + " GROUP BY host", StandardCharsets.UTF_8)),
                bearer(server.tokens().scoped("globex", SCOPE)))));
        return answers;
    }

    @Test
    void every_read_answers_the_same_after_compaction_and_a_later_write_of_a_folded_time_wins() {
        dataset("merged");
        var shared = server.api().postJson("/storage/v1/datasets/merged/shares", """
                {"tenant": "globex", "scope": "%s", "rationale": "globex checks our reads", "owner": "team-reads"}
                """.formatted(SCOPE), admin());
        assertThat(shared.statusCode()).as(shared.body()).isEqualTo(201);
        write("merged", lines("h1", 0, POINTS) + lines("h2", 3, POINTS) + lines("h3", 11, POINTS / 2));
        var before = everyRead("merged");
        assertThat(before.get("aggregate count")).contains("\"points\"");
        assertThat(before.get("raw, paged")).contains("next_cursor");

        assertThat(compact()).isEqualTo(5L * (2 * POINTS + POINTS / 2));

        assertSameAnswers(everyRead("merged"), before);

        // Overwrite folded times (and add one into a folded hour): the hot rows win until the next
        // pass folds them, and the folded result reads the same as the merged one.
        long overwritten = T0 + 100 * TEN_SECONDS + 0; // h1's point 100 (100 % 5 == 0: no jitter)
        write("merged", "m,host=h1 v=1000.5,note=\"new\" %d\nm,host=h1 v=-3.5 %d\n".formatted(overwritten, overwritten + 1));
        var merged = everyRead("merged");
        assertThat(merged.get("raw, one field of one host, paged")).isEqualTo(before.get("raw, one field of one host, paged"));
        assertThat(merged.get("InfluxQL raw")).contains("[%d,1000.5,".formatted(overwritten)).contains("[%d,-3.5,".formatted(overwritten + 1))
                .contains("\"new\"");
        assertThat(merged.get("aggregate max")).contains("1000.5");
        assertThat(merged.get("aggregate count")).isNotEqualTo(before.get("aggregate count"));

        assertThat(compact()).isEqualTo(3);

        // Folded, the points are summed in another order than merged: a float aggregate (stddev) may
        // differ in its last digit, as it may between two plans of one statement; nothing else.
        assertSameAnswers(everyRead("merged"), merged);
    }

    private static void assertSameAnswers(Map<String, String> actual, Map<String, String> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        Comparator<JsonNode> sameValue = (a, b) -> a.isFloatingPointNumber() && b.isNumber()
                ? Math.abs(a.asDouble() - b.asDouble()) <= 1e-12 * Math.max(Math.abs(a.asDouble()), Math.abs(b.asDouble())) ? 0 : 1
                : a.equals(b) ? 0 : 1;
        for (var entry : expected.entrySet()) {
            try {
                assertThat(JSON.readTree(actual.get(entry.getKey())).equals(sameValue, JSON.readTree(entry.getValue())))
                        .as("%s: %s%nexpected %s", entry.getKey(), actual.get(entry.getKey()), entry.getValue()).isTrue();
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void a_read_during_a_compaction_pass_sees_every_point_once() throws Exception {
        dataset("moving");
        var lines = new StringBuilder();
        for (int host = 0; host < 12; host++) {
            lines.append(lines("c" + host, host, POINTS));
        }
        write("moving", lines.toString());
        String count = "/storage/v1/datasets/moving/query?epoch=ns&agg=count&step=1000h&start=" + T0 + "&end=" + (T0 + 3 * HOUR);
        String raw = "/storage/v1/datasets/moving/query?epoch=ns&field=v&tag.host=c5&start=" + T0 + "&end=" + (T0 + 3 * HOUR);
        String sum = "SELECT count(v), sum(n) FROM m WHERE time >= %d AND time < %d GROUP BY host".formatted(T0, T0 + 3 * HOUR);
        var expected = List.of(ok(server.api().get(count, reader())), ok(server.api().get(raw, reader())), influxql("moving", sum));

        var pass = CompletableFuture.supplyAsync(ChunkedReadsTest::compact);
        var seen = new ArrayList<List<String>>();
        do {
            seen.add(List.of(ok(server.api().get(count, reader())), ok(server.api().get(raw, reader())), influxql("moving", sum)));
        } while (!pass.isDone());

        assertThat(pass.get()).isEqualTo(5L * 12 * POINTS);
        seen.add(List.of(ok(server.api().get(count, reader())), ok(server.api().get(raw, reader())), influxql("moving", sum)));
        assertThat(seen).allSatisfy(answers -> assertThat(answers).isEqualTo(expected));
    }
}
