package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.config.PointsSettings;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Aggregates over many series of several field types: one statement per type, merged back into
 * series order, and the points limit counted across all of them (here 12 points per query).
 */
class AggregateQueriesTest {
    private static final int MAX_POINTS = 12;

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(settings -> settings.withPoints(
            new PointsSettings(10L << 20, 64L << 20, 100_000, MAX_POINTS, Duration.ofHours(1), 10_000,
                    PointsSettings.DEFAULT_SERIES_CACHE_SIZE)));

    @BeforeAll
    static void data() {
        server.tenant("acme");
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        assertThat(server.api().postJson("/storage/v1/datasets", "{\"id\": \"fleet\"}", admin).statusCode()).isEqualTo(201);
        // Series are numbered in the order they are first written: (h1, v), (h1, n), (h1, up),
        // (h2, v), (h2, n), (h2, up), (h3, v), (h3, n), (h3, up): float, integer and boolean interleaved.
        var lines = new StringBuilder();
        for (int minute = 0; minute < 4; minute++) {
            for (int host = 1; host <= 3; host++) {
                lines.append("m,host=h%d v=%d.5,n=%di,up=%s %d\n".formatted(host, host * 10 + minute, host * 100 + minute,
                        minute % 2 == 0, 1_704_067_200_000_000_000L + minute * 60_000_000_000L));
            }
        }
        // A string series (a type of its own) with a point a day later only: outside every range below.
        lines.append("m,host=h4 note=\"late\" %d\n".formatted(1_704_153_600_000_000_000L));
        var written = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=fleet&precision=ns",
                        bearer(server.tokens().user("acme", "writer")))
                .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        // The same points in a dataset only finance may read.
        assertThat(server.api().postJson("/storage/v1/datasets", """
                {"id": "payroll", "access": {"read": {"roles": ["finance"]}}}""", admin).statusCode()).isEqualTo(201);
        var payroll = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=payroll&precision=ns",
                        bearer(server.tokens().user("acme", "writer")))
                .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build());
        assertThat(payroll.statusCode()).as(payroll.body()).isEqualTo(204);
    }

    private static ApiResponse query(String parameters) {
        return server.api().get("/storage/v1/datasets/fleet/query?measurement=m&start=2024-01-01T00:00:00Z&" + parameters,
                bearer(server.tokens().user("acme", "reader")));
    }

    /** "host field type: [time] value, ..." of each series, in response order ({@code &epoch=ns} shows the time). */
    private static List<String> series(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var out = new ArrayList<String>();
        for (JsonNode series : response.json().get("series")) {
            var values = new ArrayList<String>();
            series.get("points").forEach(point -> values.add(point.get(0).isNumber()
                    ? "%s@%s".formatted(point.get(1).asText(), minuteOf(point.get(0).asLong())) : point.get(1).asText()));
            out.add("%s %s %s: %s".formatted(series.at("/tags/host").asText(), series.get("field").asText(),
                    series.get("type").asText(), String.join(", ", values)));
        }
        return out;
    }

    @Test
    void series_of_several_types_come_back_in_series_order_with_their_own_buckets() {
        var counts = series(query("end=2024-01-01T00:04:00Z&step=2m&agg=count&tag.host=h1"));
        var lasts = series(query("end=2024-01-01T00:02:00Z&step=2m&agg=last&field=up"));

        assertThat(counts).containsExactly("h1 v integer: 2, 2", "h1 n integer: 2, 2", "h1 up integer: 2, 2");
        assertThat(lasts).containsExactly("h1 up boolean: false", "h2 up boolean: false", "h3 up boolean: false");
    }

    @Test
    void an_aggregate_is_decided_on_its_datasets_row_before_any_series_is_used_whatever_its_filter() {
        // The series selection travels with the dataset's row (one round trip); the decision is the same.
        String aggregate = "/query?measurement=m&field=v&tag.host=h1&start=2024-01-01T00:00:00Z&end=2024-01-01T00:04:00Z&step=2m&agg=sum";
        server.tenant("globex");

        var refused = server.api().get("/storage/v1/datasets/payroll" + aggregate, bearer(server.tokens().user("acme", "reader")));
        var allowed = server.api().get("/storage/v1/datasets/payroll" + aggregate, bearer(server.tokens().user("acme", "finance")));
        var otherTenant = server.api().get("/storage/v1/datasets/fleet" + aggregate, bearer(server.tokens().user("globex", "reader")));
        var missing = server.api().get("/storage/v1/datasets/nowhere" + aggregate, bearer(server.tokens().user("acme", "reader")));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.body()).doesNotContain("h1").doesNotContain("points");
        assertThat(series(allowed)).containsExactly("h1 v float: 22.0, 26.0");
        assertThat(otherTenant.statusCode()).as(otherTenant.body()).isEqualTo(404);
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
    }

    private static String minuteOf(long nanos) {
        return "m" + (nanos - 1_704_067_200_000_000_000L) / 60_000_000_000L;
    }

    @Test
    void numeric_aggregates_over_many_series_keep_each_series_exact() {
        var sums = series(query("end=2024-01-01T00:02:00Z&step=2m&agg=sum"));

        // Minutes 0 and 1 of each host: v = 10h + m + .5, n = 100h + m (integers stay exact).
        assertThat(sums).containsExactly("h1 v float: 22.0", "h1 n integer: 201", "h2 v float: 42.0", "h2 n integer: 401",
                "h3 v float: 62.0", "h3 n integer: 601");
    }

    @Test
    void several_buckets_of_several_series_in_one_statement_are_cut_at_each_series() {
        // Six numeric series of two buckets: exactly the limit of 12 points. Two minutes at one
        // minute make three windows at most, so four series go per chunk: the floats and the
        // integers of h1 and h2 each share one statement, and h3's come in a second chunk.
        var counts = series(query("end=2024-01-01T00:02:00Z&step=1m&agg=count&epoch=ns&field=n"));
        var sums = series(query("end=2024-01-01T00:02:00Z&step=1m&agg=sum&epoch=ns"));

        assertThat(counts).containsExactly("h1 n integer: 1@m0, 1@m1", "h2 n integer: 1@m0, 1@m1", "h3 n integer: 1@m0, 1@m1");
        assertThat(sums).containsExactly("h1 v float: 10.5@m0, 11.5@m1", "h1 n integer: 100@m0, 101@m1",
                "h2 v float: 20.5@m0, 21.5@m1", "h2 n integer: 200@m0, 201@m1", "h3 v float: 30.5@m0, 31.5@m1",
                "h3 n integer: 300@m0, 301@m1");
    }

    @Test
    void a_field_type_whose_series_have_no_points_in_the_range_adds_nothing() {
        // The string series is selected (count takes every type) but its statement finds no rows.
        var alone = series(query("end=2024-01-01T00:01:00Z&step=1m&agg=count&field=note"));
        var withOthers = series(query("end=2024-01-01T00:01:00Z&step=1m&agg=count"));

        assertThat(alone).isEmpty();
        assertThat(withOthers).hasSize(9).noneMatch(series -> series.contains("note"));
    }

    @Test
    void a_chunk_holds_as_many_series_as_the_limit_allows_for_their_windows() {
        long minute = 60_000_000_000L;
        var twoMinutes = new QueryStore.TimeRange(0, 2 * minute);

        assertThat(QueryService.seriesPerChunk(twoMinutes, minute, 12)).isEqualTo(4);
        assertThat(QueryService.seriesPerChunk(new QueryStore.TimeRange(7, 7 + minute), minute, 12)).isEqualTo(6);
        assertThat(QueryService.seriesPerChunk(new QueryStore.TimeRange(0, 100 * minute), minute, 12)).isEqualTo(1);
        assertThat(QueryService.seriesPerChunk(new QueryStore.TimeRange(5, 5), minute, 12)).isEqualTo(Integer.MAX_VALUE);
        assertThat(QueryService.seriesPerChunk(new QueryStore.TimeRange(Long.MIN_VALUE, Long.MAX_VALUE), 1, 12)).isEqualTo(1);
    }

    @Test
    void the_points_limit_counts_buckets_across_all_series() {
        // 4 one-minute windows fit the limit for one series; 9 series would return 36 points.
        var oneSeries = query("end=2024-01-01T00:04:00Z&step=1m&agg=max&field=v&tag.host=h2");
        var allSeries = query("end=2024-01-01T00:04:00Z&step=1m&agg=count");

        assertThat(series(oneSeries)).containsExactly("h2 v float: 20.5, 21.5, 22.5, 23.5");
        assertThat(allSeries.statusCode()).isEqualTo(400);
        assertThat(allSeries.json().get("detail").asText()).contains("more than " + MAX_POINTS + " points");
    }

    @Test
    void step_takes_the_one_duration_syntax_and_says_so_when_it_is_not_one() {
        var iso = series(query("end=2024-01-01T00:04:00Z&step=PT2M&agg=count&tag.host=h1"));
        var minutes = series(query("end=2024-01-01T00:04:00Z&step=2m&agg=count&tag.host=h1"));
        var seconds = series(query("end=2024-01-01T00:04:00Z&step=120s&agg=count&tag.host=h1"));
        var notOne = query("end=2024-01-01T00:04:00Z&step=2minutes&agg=count");
        var zero = query("end=2024-01-01T00:04:00Z&step=0s&agg=count");

        assertThat(iso).isEqualTo(minutes).isEqualTo(seconds).isNotEmpty();
        assertThat(notOne.statusCode()).isEqualTo(400);
        assertThat(notOne.json().get("detail").asText()).contains("'2minutes' is not a duration", "ns, us, ms, s, m, h, d, w");
        assertThat(zero.statusCode()).isEqualTo(400);
        assertThat(zero.json().get("detail").asText()).contains("step must be positive");
    }
}
