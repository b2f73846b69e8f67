package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code tz}: windows of whole days start at local midnight, so the day a zone changes to or from
 * daylight saving time holds 23 or 25 hours, as InfluxDB's {@code tz()} makes them; through
 * InfluxQL and the native route alike. One point per hour, so a window's count is its hours.
 */
class LocalDayWindowsTest {
    private static final long HOUR = 3_600_000_000_000L;

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    @BeforeAll
    static void data() {
        server.tenant("acme");
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        assertThat(server.api().postJson("/storage/v1/datasets", "{\"id\": \"days\"}", admin).statusCode()).isEqualTo(201);
        var lines = new StringBuilder();
        // Europe/Paris springs forward on 2024-03-31 at 02:00 local (01:00 UTC).
        hourly(lines, "paris", "2024-03-29T00:00:00Z", "2024-04-03T00:00:00Z");
        // America/New_York falls back on 2024-11-03 at 02:00 local (06:00 UTC).
        hourly(lines, "newyork", "2024-11-01T00:00:00Z", "2024-11-06T00:00:00Z");
        var written = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=days&precision=ns",
                        bearer(server.tokens().user("acme", "writer")))
                .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    private static void hourly(StringBuilder lines, String measurement, String from, String to) {
        for (long t = nanos(from); t < nanos(to); t += HOUR) {
            lines.append("%s v=1 %d\n".formatted(measurement, t));
        }
    }

    private static long nanos(String instant) {
        var parsed = Instant.parse(instant);
        return parsed.getEpochSecond() * 1_000_000_000L + parsed.getNano();
    }

    private static ApiResponse nativeQuery(String parameters) {
        return server.api().get("/storage/v1/datasets/days/query?field=v&epoch=ns&" + parameters,
                bearer(server.tokens().user("acme", "reader")));
    }

    private static ApiResponse influxQl(String statement) {
        return server.api().get("/query?db=days&epoch=ns&q=" + URLEncoder.encode(statement, StandardCharsets.UTF_8),
                bearer(server.tokens().user("acme", "reader")));
    }

    /** "window start (UTC)=count" of the native answer's only series. */
    private static List<String> nativeWindows(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var windows = new ArrayList<String>();
        response.json().at("/series/0/points").forEach(point -> windows.add(window(point.get(0), point.get(1))));
        return windows;
    }

    private static List<String> influxWindows(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var windows = new ArrayList<String>();
        response.json().at("/results/0/series/0/values").forEach(row -> windows.add(window(row.get(0), row.get(1))));
        return windows;
    }

    private static String window(JsonNode time, JsonNode count) {
        long nanos = time.asLong();
        return Instant.ofEpochSecond(nanos / 1_000_000_000L) + "=" + (count.isNull() ? "null" : count.asText());
    }

    @Test
    void day_windows_start_at_local_midnight_and_the_spring_forward_day_has_23_hours() {
        // Local days 2024-03-30, 03-31 (the change) and 04-01, from their local midnights.
        var expected = List.of("2024-03-29T23:00:00Z=24", "2024-03-30T23:00:00Z=23", "2024-03-31T22:00:00Z=24");

        var fromNative = nativeWindows(nativeQuery("measurement=paris&start=2024-03-29T23:00:00Z&end=2024-04-01T22:00:00Z"
                + "&step=1d&agg=count&tz=Europe/Paris"));
        var fromInflux = influxWindows(influxQl("SELECT count(v) FROM paris WHERE time >= '2024-03-29T23:00:00Z'"
                + " AND time < '2024-04-01T22:00:00Z' GROUP BY time(1d) tz('Europe/Paris')"));

        assertThat(fromNative).isEqualTo(expected);
        assertThat(fromInflux).isEqualTo(expected);
    }

    @Test
    void the_fall_back_day_has_25_hours_and_empty_local_days_are_filled() {
        // New York: EDT (-4) until 2024-11-03 02:00 local, EST (-5) after. The range starts a day
        // before the data's first local midnight in November and ends after its last point.
        var response = nativeQuery("measurement=newyork&start=2024-10-31T04:00:00Z&end=2024-11-07T05:00:00Z&step=1d&agg=count"
                + "&tz=America/New_York&fill=null");

        assertThat(nativeWindows(response)).containsExactly("2024-10-31T04:00:00Z=4", "2024-11-01T04:00:00Z=24",
                "2024-11-02T04:00:00Z=24", "2024-11-03T04:00:00Z=25", "2024-11-04T05:00:00Z=24", "2024-11-05T05:00:00Z=19",
                "2024-11-06T05:00:00Z=null");
    }

    @Test
    void without_a_zone_or_in_utc_day_windows_stay_utc_days() {
        var expected = List.of("2024-03-30T00:00:00Z=24", "2024-03-31T00:00:00Z=24");

        assertThat(nativeWindows(nativeQuery("measurement=paris&start=2024-03-30T00:00:00Z&end=2024-04-01T00:00:00Z&step=1d&agg=count")))
                .isEqualTo(expected);
        assertThat(nativeWindows(nativeQuery("measurement=paris&start=2024-03-30T00:00:00Z&end=2024-04-01T00:00:00Z&step=1d&agg=count"
                + "&tz=UTC"))).isEqualTo(expected);
        // UTC's days are the epoch's: any step goes, a day and a half included.
        assertThat(nativeWindows(nativeQuery("measurement=paris&start=2024-03-30T00:00:00Z&end=2024-04-01T00:00:00Z&step=36h&agg=count"
                + "&tz=UTC"))).containsExactly("2024-03-30T00:00:00Z=36", "2024-03-31T12:00:00Z=12");
    }

    @Test
    void local_windows_reach_the_earliest_instant_a_point_can_have() {
        // The local midnight of 1677-09-21 in Paris lies before the earliest int64: the first window starts there.
        var response = nativeQuery("measurement=paris&start=1677-09-21T00:12:43.145224194Z&end=1677-09-25T00:00:00Z&step=1d"
                + "&agg=count&tz=Europe/Paris&fill=null");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("series")).isEmpty();
    }

    @Test
    void an_unknown_zone_or_a_step_of_partial_days_is_400() {
        var unknown = nativeQuery("measurement=paris&start=2024-03-30T00:00:00Z&step=1d&agg=count&tz=Mars/Olympus_Mons");
        var partial = nativeQuery("measurement=paris&start=2024-03-30T00:00:00Z&step=36h&agg=count&tz=Europe/Paris");
        var influx = influxQl("SELECT count(v) FROM paris WHERE time >= '2024-03-30T00:00:00Z' GROUP BY time(1d) tz('Nowhere/Else')");

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.json().at("/errors/0/pointer").asText()).isEqualTo("/tz");
        assertThat(partial.statusCode()).isEqualTo(400);
        assertThat(partial.json().get("detail").asText()).contains("whole days");
        assertThat(influx.statusCode()).isEqualTo(400);
        assertThat(influx.json().get("detail").asText()).contains("unknown time zone");
    }
}
