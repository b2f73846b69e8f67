package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.config.CompactionSettings;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An aggregate over hours the compactor has folded ends its read's transaction with its points'
 * statements ({@link MergedAggregates}: one round trip fewer); when late writes left more hot rows
 * in the range than such a read takes, it reads again. Either way the answer is the one the points
 * give, read back raw (a path of its own, {@code RawMerge}). This server compacts (a pass at its
 * start, then one a day), as a production server does; the tests fold with passes of their own.
 */
class EndingReadsTest {
    private static final long T0 = 1_704_067_200_000_000_000L; // 2024-01-01T00:00:00Z
    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final long HOUR = 3_600_000_000_000L;
    private static final long DAY = 24 * HOUR;

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(settings -> settings.withPoints(
            settings.points().withCompaction(new CompactionSettings(true, Duration.ofHours(1), Duration.ofDays(1)))));

    @BeforeAll
    static void tenant() {
        server.tenant("acme");
    }

    @Test
    void a_folded_day_with_a_few_late_writes_is_aggregated_in_an_ending_read_as_its_points_say() {
        folded("ends");
        for (int i = 0; i < 3; i++) { // hot batch rows over folded points: the late write wins its time
            write("ends", "m v=1000 %d\n".formatted(T0 + (i * 7 + 1) * HOUR + 30 * TEN_SECONDS));
        }
        double restarts = restarts();

        assertThat(hourlyMeans("ends", T0, T0 + DAY)).isEqualTo(meansOfRawPoints("ends", T0, T0 + DAY)).hasSize(24);
        assertThat(restarts()).as("no read again").isEqualTo(restarts);
    }

    @Test
    void more_late_writes_than_an_ending_read_takes_make_it_read_again_with_the_same_answer_and_the_next_reads_not_try() {
        folded("again");
        // Two past what it takes: its LIMIT (one past) leaves the last out, so an answer without reading again would be wrong.
        for (int i = 0; i < MergedAggregates.ENDING_BATCHES + 2; i++) {
            write("again", "m v=%d %d\n".formatted(500 + i, T0 + i * HOUR + 90 * TEN_SECONDS));
        }
        double restarts = restarts();

        assertThat(hourlyMeans("again", T0, T0 + DAY)).isEqualTo(meansOfRawPoints("again", T0, T0 + DAY)).hasSize(24);
        assertThat(restarts()).as("the ending read found more batch rows than it takes and read again").isEqualTo(restarts + 1);
        // The dataset's next reads do not try again for a while (QueryService.RESTARTED_RECENTLY).
        assertThat(hourlyMeans("again", T0, T0 + DAY)).isEqualTo(meansOfRawPoints("again", T0, T0 + DAY));
        assertThat(restarts()).isEqualTo(restarts + 1);
    }

    @Test
    void ranges_beyond_the_folded_hours_or_longer_than_an_ending_read_takes_never_try() {
        folded("never");
        for (int i = 0; i <= MergedAggregates.ENDING_BATCHES; i++) {
            write("never", "m v=%d %d\n".formatted(700 + i, T0 + i * HOUR + 60 * TEN_SECONDS));
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i <= MergedAggregates.ENDING_BATCHES; i++) {
            write("never", "m v=%d %d\n".formatted(i, now - 10 * 60_000_000_000L + i * TEN_SECONDS));
        }
        double restarts = restarts();

        // 36 hours of one series: more hour chunks than an ending read holds.
        assertThat(hourlyMeans("never", T0 - 12 * HOUR, T0 + DAY)).isEqualTo(meansOfRawPoints("never", T0 - 12 * HOUR, T0 + DAY));
        // The last two hours: not folded yet.
        long hour = Math.floorDiv(now, HOUR) * HOUR;
        assertThat(hourlyMeans("never", hour - HOUR, hour + HOUR)).isEqualTo(meansOfRawPoints("never", hour - HOUR, hour + HOUR))
                .isNotEmpty();
        assertThat(restarts()).as("neither read tried to end early").isEqualTo(restarts);
    }

    /** Dataset {@code id} with a day of one series (a point every 10 s, whole values: exact sums) from T0, folded into hour chunks. */
    private static void folded(String id) {
        server.dataset("acme", id);
        var lines = new StringBuilder();
        for (int i = 0; i < DAY / TEN_SECONDS; i++) {
            lines.append("m v=%d %d\n".formatted(i % 97, T0 + i * TEN_SECONDS));
        }
        write(id, lines.toString());
        // The server's own pass at its start may still hold the compaction lock.
        Await.until("a compaction pass folded " + id, Duration.ofSeconds(30),
                () -> server.timestore().compactor().runOnce().filter(pass -> pass.pointsFolded() > 0).isPresent());
    }

    private static void write(String dataset, String lines) {
        var written = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=" + dataset + "&precision=ns",
                bearer(server.tokens().user("acme", "writer"))).POST(HttpRequest.BodyPublishers.ofString(lines)).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    /** The 1 h means the aggregate route answers, by window start. */
    private static Map<Long, Double> hourlyMeans(String dataset, long start, long end) {
        var answer = server.api().get("/storage/v1/datasets/%s/query?measurement=m&field=v&start=%d&end=%d&step=1h&agg=avg&epoch=ns"
                .formatted(dataset, start, end), bearer(server.tokens().user("acme", "reader")));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        var means = new TreeMap<Long, Double>();
        answer.json().get("series").get(0).get("points").forEach(point -> means.put(point.get(0).asLong(), point.get(1).asDouble()));
        return means;
    }

    /** The same means computed here from the points read back raw, in time order. */
    private static Map<Long, Double> meansOfRawPoints(String dataset, long start, long end) {
        var answer = server.api().get("/storage/v1/datasets/%s/query?measurement=m&field=v&start=%d&end=%d&epoch=ns"
                .formatted(dataset, start, end), bearer(server.tokens().user("acme", "reader")));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        var windows = new TreeMap<Long, List<Double>>();
        answer.json().get("series").get(0).get("points").forEach(point -> windows
                .computeIfAbsent(Math.floorDiv(point.get(0).asLong(), HOUR) * HOUR, w -> new ArrayList<>()).add(point.get(1).asDouble()));
        var means = new TreeMap<Long, Double>();
        windows.forEach((window, values) -> means.put(window, values.stream().mapToDouble(Double::doubleValue).sum() / values.size()));
        return means;
    }

    private static double restarts() {
        return server.api().get("/metrics").body().lines().filter(line -> line.startsWith("timestore_query_restarts_total"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
