package io.timestore.server.points;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
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
            new PointsSettings(10L << 20, 64L << 20, 100_000, MAX_POINTS, java.time.Duration.ofHours(1), 10_000)));

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
        var written = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=fleet&precision=ns",
                        bearer(server.tokens().user("acme", "writer")))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(lines.toString())).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    private static ApiResponse query(String parameters) {
        return server.api().get("/storage/v1/datasets/fleet/query?measurement=m&start=2024-01-01T00:00:00Z&" + parameters,
                bearer(server.tokens().user("acme", "reader")));
    }

    /** "host field type: value, value, ..." of each series, in response order. */
    private static List<String> series(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var out = new ArrayList<String>();
        for (JsonNode series : response.json().get("series")) {
            var values = new ArrayList<String>();
            series.get("points").forEach(point -> values.add(point.get(1).asText()));
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
    void numeric_aggregates_over_many_series_keep_each_series_exact() {
        var sums = series(query("end=2024-01-01T00:02:00Z&step=2m&agg=sum"));

        // Minutes 0 and 1 of each host: v = 10h + m + .5, n = 100h + m (integers stay exact).
        assertThat(sums).containsExactly("h1 v float: 22.0", "h1 n integer: 201", "h2 v float: 42.0", "h2 n integer: 401",
                "h3 v float: 62.0", "h3 n integer: 601");
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
}
