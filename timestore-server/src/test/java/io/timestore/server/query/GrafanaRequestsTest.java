package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP requests Grafana's InfluxDB data source (InfluxQL mode, Grafana 10/11, backend access)
 * sends, byte for byte as its source builds them, and the answers read the way its response parser
 * reads them. Sources (repository grafana/grafana):
 * <ul>
 *   <li>{@code pkg/tsdb/influxdb/influxql/influxql.go}, {@code createRequest}: {@code GET /query} with
 *       {@code db}, {@code epoch=ms}, {@code q} and, unless the policy is empty or {@code default},
 *       {@code rp}, encoded by Go's {@code url.Values.Encode} (keys sorted, space as {@code +}); in
 *       {@code httpMode} POST the same URL without {@code q}, and {@code q} as an
 *       {@code application/x-www-form-urlencoded} body ({@code Content-type} header);</li>
 *   <li>{@code pkg/services/datasources/service/datasource.go}, {@code httpClientOptions}: the data
 *       source's User and Password (InfluxDB Details) as {@code Authorization: Basic}; here the
 *       password is a Timestore token;</li>
 *   <li>{@code pkg/tsdb/influxdb/healthcheck.go}, {@code CheckInfluxQLHealth}: "Save &amp; test" sends
 *       {@code SHOW measurements} and reports "N measurements found" from the first field's length;</li>
 *   <li>{@code public/app/plugins/datasource/influxdb/influxql_query_builder.ts},
 *       {@code buildMetadataQuery}: the editor's metric find queries ({@code SHOW MEASUREMENTS WITH
 *       MEASUREMENT =~ /(?i)../ LIMIT 100}, {@code SHOW TAG KEYS FROM "m"}, {@code SHOW TAG VALUES FROM
 *       "m" WITH KEY = "k" WHERE ..}, {@code SHOW FIELD KEYS FROM "m"}, {@code SHOW RETENTION POLICIES on "db"});</li>
 *   <li>{@code pkg/tsdb/influxdb/models/query.go}, {@code Build} (with {@code query_part.go}): a
 *       panel query, {@code WHERE (<tags>) AND time >= <from>ms and time <= <to>ms} for
 *       {@code $timeFilter}, {@code GROUP BY time(<interval>), "tag"::tag fill(null)} with
 *       {@code $__interval} expanded by {@code gtime.FormatInterval};</li>
 *   <li>{@code pkg/tsdb/influxdb/influxql/buffered/response_parser.go}: a non-2xx answer is shown as
 *       "InfluxDB returned error: " + the JSON member {@code error}; else {@code results[0]} must
 *       have no {@code error}; a series with a {@code time} column gives one frame per other column
 *       (times parsed from epoch-ms numbers, values numbers, strings, booleans or null, labels from
 *       {@code tags}); one without gives one frame of {@code values[i][0]} ({@code [1]} for
 *       {@code SHOW TAG VALUES}).</li>
 * </ul>
 * {@link #parse} re-implements that parser's reading, so each test checks what Grafana would show.
 */
class GrafanaRequestsTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    /** 2023-11-14T22:13:00Z in milliseconds; points every 10 s for 5 minutes. */
    static final long T0 = 1_699_999_980_000L;
    static final String[] HOSTS = {"a", "b", "c"};
    static final String[] REGIONS = {"eu", "eu", "us"};
    static final int POINTS = 30;
    static final String DB = "telegraf";
    /** Grafana's "$timeFilter" for a dashboard range from T0 to T0 + 5 min - 1 ms. */
    static final String TIME_FILTER = "time >= %dms and time <= %dms".formatted(T0, T0 + 299_999);
    private static String authorization;

    enum HttpMode { GET, POST }

    /** What Grafana's parser makes of a series: a frame's name, labels, times (null without a time column) and values. */
    record Frame(String name, Map<String, String> labels, List<Long> times, List<Object> values) {}

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(DB),
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var lines = new StringBuilder();
        for (int k = 0; k < HOSTS.length; k++) {
            for (int i = 0; i < POINTS; i++) {
                lines.append("cpu,host=%s,region=%s usage_idle=%s,procs=%di %d%n".formatted(HOSTS[k], REGIONS[k], usage(k, i), i + k,
                        T0 + i * 10_000L));
            }
        }
        lines.append("events,kind=deploy title=\"v1.2 deployed\",text=\"by ci\" %d%n".formatted(T0 + 60_000));
        lines.append("events,kind=deploy title=\"rollback\",text=\"by alice\" %d%n".formatted(T0 + 240_000));
        var written = server.api().post("/write?precision=ms&db=" + DB, lines.toString(), bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        var token = server.tokens().user("acme", "reader");
        authorization = "Basic " + Base64.getEncoder().encodeToString(("grafana:" + token).getBytes(StandardCharsets.UTF_8));
    }

    static double usage(int host, int i) {
        return ((i * 7 + host * 13) % 17) + 0.25 * host;
    }

    /** Go's {@code url.QueryEscape}: only letters, digits, {@code -_.~} stay; space becomes {@code +}. */
    static String goQueryEscape(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("*", "%2A").replace("%7E", "~");
    }

    /** Go's {@code url.Values.Encode}: {@code k=v} pairs sorted by key, joined by {@code &}. */
    static String goEncode(Map<String, String> values) {
        var pairs = new ArrayList<String>();
        new TreeMap<>(values).forEach((key, value) -> pairs.add(goQueryEscape(key) + "=" + goQueryEscape(value)));
        return String.join("&", pairs);
    }

    /** The request {@code createRequest} builds for {@code q} with retention policy {@code policy} ("default": none). */
    static ApiResponse grafana(HttpMode mode, String q, String policy, String... authorizationHeader) {
        var params = new LinkedHashMap<String, String>();
        params.put("db", DB);
        params.put("epoch", "ms");
        if (!policy.isEmpty() && !policy.equals("default")) {
            params.put("rp", policy);
        }
        var auth = authorizationHeader.length == 0 ? authorization : authorizationHeader[0];
        HttpRequest request;
        if (mode == HttpMode.GET) {
            params.put("q", q);
            request = server.api().request("/query?" + goEncode(params), "Authorization", auth).GET().build();
        } else {
            request = server.api().request("/query?" + goEncode(params), "Authorization", auth)
                    .header("Content-type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(goEncode(Map.of("q", q)))).build();
        }
        return server.api().send(request);
    }

    static ApiResponse grafana(HttpMode mode, String q) {
        return grafana(mode, q, "default");
    }

    /** The frames Grafana's buffered response parser makes of {@code response} to {@code q}, after checking it is no error. */
    static List<Frame> parse(ApiResponse response, String q) {
        assertThat(response.statusCode() / 100).as(response.body()).isEqualTo(2);
        var json = response.json();
        assertThat(json.path("error").isMissingNode()).as("top-level error").isTrue();
        var result = json.get("results").get(0);
        assertThat(result.path("error").isMissingNode()).as("results[0].error").isTrue();
        var frames = new ArrayList<Frame>();
        for (var row : result.path("series")) {
            var labels = new TreeMap<String, String>();
            row.path("tags").fields().forEachRemaining(tag -> labels.put(tag.getKey(), tag.getValue().asText()));
            var columns = new ArrayList<String>();
            row.get("columns").forEach(column -> columns.add(column.asText()));
            if (!columns.contains("time")) {
                int index = q.toLowerCase(java.util.Locale.ROOT).contains("show tag values") ? 1 : 0;
                var values = new ArrayList<Object>();
                row.get("values").forEach(value -> values.add(value.get(index).asText()));
                frames.add(new Frame(row.path("name").asText(), labels, null, values));
                continue;
            }
            for (int c = 0; c < columns.size(); c++) {
                if (columns.get(c).equals("time")) {
                    continue;
                }
                var times = new ArrayList<Long>();
                var values = new ArrayList<Object>();
                for (var value : row.get("values")) {
                    assertThat(value.get(0).isIntegralNumber()).as("time as epoch ms: " + value).isTrue();
                    times.add(value.get(0).asLong());
                    values.add(scalar(value.get(c)));
                }
                frames.add(new Frame(row.path("name").asText() + "." + columns.get(c), labels, times, values));
            }
        }
        return frames;
    }

    private static Object scalar(JsonNode value) {
        assertThat(value.isNumber() || value.isTextual() || value.isBoolean() || value.isNull()).as(value.toString()).isTrue();
        return value.isNull() ? null : value.isNumber() ? (Object) value.asDouble() : value.isBoolean() ? value.asBoolean() : value.asText();
    }

    /** The message Grafana shows for a non-2xx answer. */
    static String grafanaError(ApiResponse response) {
        assertThat(response.statusCode() / 100).as(response.body()).isNotEqualTo(2);
        var error = response.json().path("error");
        assertThat(error.isTextual()).as("error member: " + response.body()).isTrue();
        return "InfluxDB returned error: " + error.asText();
    }

    @Test
    void save_and_test_sends_show_measurements_and_finds_every_measurement_in_get_and_post_mode() {
        for (var mode : HttpMode.values()) {
            var frames = parse(grafana(mode, "SHOW measurements"), "SHOW measurements");

            assertThat(frames).as(mode.name()).singleElement().satisfies(frame -> {
                assertThat(frame.name()).isEqualTo("measurements");
                // healthcheck.go: "datasource is working. 2 measurements found"
                assertThat(frame.values()).containsExactly("cpu", "events");
            });
        }
    }

    @Test
    void the_query_editors_metric_find_queries_give_the_values_the_editor_lists() {
        Map<String, List<Object>> expected = new LinkedHashMap<>();
        expected.put("SHOW MEASUREMENTS LIMIT 100", List.of("cpu", "events"));
        expected.put("SHOW MEASUREMENTS WITH MEASUREMENT =~ /(?i)CP/ LIMIT 100", List.of("cpu"));
        expected.put("SHOW MEASUREMENTS WHERE \"region\" = 'us' LIMIT 100", List.of("cpu"));
        expected.put("SHOW TAG KEYS FROM \"cpu\"", List.of("host", "region"));
        expected.put("SHOW TAG KEYS FROM \"cpu\" WHERE \"region\" = 'us'", List.of("host", "region"));
        expected.put("SHOW TAG VALUES FROM \"cpu\" WITH KEY = \"host\"", List.of("a", "b", "c"));
        expected.put("SHOW TAG VALUES FROM \"cpu\" WITH KEY = \"host\" WHERE \"region\" = 'eu'", List.of("a", "b"));
        expected.put("SHOW TAG VALUES FROM \"cpu\" WITH KEY = \"region\" WHERE \"host\" =~ /^(a|c)$/", List.of("eu", "us"));
        expected.put("SHOW FIELD KEYS FROM \"cpu\"", List.of("procs", "usage_idle"));
        expected.put("SHOW RETENTION POLICIES on \"%s\"".formatted(DB), List.of("autogen"));

        for (var mode : HttpMode.values()) {
            expected.forEach((q, values) -> {
                var frames = parse(grafana(mode, q), q);
                assertThat(frames).as(mode + " " + q).singleElement().satisfies(frame -> assertThat(frame.values()).isEqualTo(values));
            });
        }
        // Without a measurement the editor asks for every field key: one frame per measurement.
        var fields = parse(grafana(HttpMode.GET, "SHOW FIELD KEYS"), "SHOW FIELD KEYS");
        assertThat(fields).extracting(Frame::name).containsExactly("cpu", "events");
        assertThat(fields.get(1).values()).containsExactly("text", "title");
        // A policy picked in the editor: "autogen"."cpu" in the statement and rp=autogen on the request.
        var withPolicy = parse(grafana(HttpMode.GET, "SHOW TAG KEYS FROM \"autogen\".\"cpu\"", "autogen"), "SHOW TAG KEYS");
        assertThat(withPolicy).singleElement().satisfies(frame -> assertThat(frame.values()).containsExactly("host", "region"));
    }

    @Test
    void a_panel_query_with_time_filter_and_interval_expanded_gives_one_frame_per_host_with_the_means_computed_here() {
        // models/query.go Build: two tag conditions in parentheses, "$timeFilter", time($__interval) with 1m, fill(null).
        var q = "SELECT mean(\"usage_idle\") FROM \"cpu\" WHERE (\"region\"::tag = 'eu' AND \"host\"::tag =~ /^(a|b)$/) AND "
                + TIME_FILTER + " GROUP BY time(1m), \"host\"::tag fill(null)";

        for (var mode : HttpMode.values()) {
            var frames = parse(grafana(mode, q), q);

            assertThat(frames).as(mode.name()).hasSize(2);
            for (int k = 0; k < 2; k++) {
                var frame = frames.get(k);
                assertThat(frame.name()).isEqualTo("cpu.mean");
                assertThat(frame.labels()).isEqualTo(Map.of("host", HOSTS[k]));
                assertThat(frame.times()).isEqualTo(IntStream.range(0, 5).mapToObj(minute -> T0 + minute * 60_000L).toList());
                for (int minute = 0; minute < 5; minute++) {
                    int host = k;
                    double mean = IntStream.range(minute * 6, minute * 6 + 6).mapToDouble(i -> usage(host, i)).average().orElseThrow();
                    assertThat((Double) frame.values().get(minute)).isCloseTo(mean, within(1e-9));
                }
            }
        }
    }

    @Test
    void a_panel_query_with_a_retention_policy_alias_and_empty_windows_gives_nulls_where_grafana_expects_them() {
        // A policy other than "default" is both in FROM and in rp; fill(null) windows after the last point are null.
        var range = "time >= %dms and time <= %dms".formatted(T0, T0 + 419_999);
        var q = "SELECT last(\"procs\") AS \"procs\" FROM \"autogen\".\"cpu\" WHERE (\"host\"::tag = 'c') AND " + range
                + " GROUP BY time(2m) fill(null)";

        var frames = parse(grafana(HttpMode.POST, q, "autogen"), q);

        assertThat(frames).singleElement().satisfies(frame -> {
            assertThat(frame.name()).isEqualTo("cpu.procs");
            assertThat(frame.labels()).isEmpty();
            // Windows aligned to the epoch: T0 is 22:13, so 22:12 (points 0-5), 22:14 (6-17), 22:16 (18-29), 22:18 (none).
            long start = T0 - 60_000;
            assertThat(frame.times()).containsExactly(start, start + 120_000, start + 240_000, start + 360_000);
            assertThat(frame.values()).containsExactly(5.0 + 2, 17.0 + 2, 29.0 + 2, null);
        });
    }

    @Test
    void an_annotation_query_gives_the_events_title_and_text_at_their_times() {
        // An InfluxQL annotation query as Grafana's annotation editor suggests it, "$timeFilter" expanded.
        var q = "SELECT \"title\", \"text\" FROM \"events\" WHERE " + TIME_FILTER;

        var frames = parse(grafana(HttpMode.GET, q), q);

        assertThat(frames).extracting(Frame::name).containsExactly("events.title", "events.text");
        assertThat(frames.get(0).times()).containsExactly(T0 + 60_000, T0 + 240_000);
        assertThat(frames.get(0).values()).containsExactly("v1.2 deployed", "rollback");
        assertThat(frames.get(1).values()).containsExactly("by ci", "by alice");
    }

    @Test
    void errors_carry_the_error_member_grafana_shows() {
        assertThat(grafanaError(grafana(HttpMode.GET, "SELECT mean(\"usage_idle\") FROM \"cpu\" WHERE")))
                .isEqualTo("InfluxDB returned error: error parsing query: found EOF, expected identifier, string, number, bool"
                        + " at line 1, char 43");
        assertThat(grafanaError(grafana(HttpMode.POST, "SHOW measurements", "default", "Basic "
                + Base64.getEncoder().encodeToString("grafana:not-a-token".getBytes(StandardCharsets.UTF_8)))))
                .startsWith("InfluxDB returned error: ");
        assertThat(grafanaError(grafana(HttpMode.GET, "SHOW TAG KEYS FROM \"cpu\"", "weekly")))
                .isEqualTo("InfluxDB returned error: retention policy not found: weekly (each dataset has the one policy autogen)");
        assertThat(grafanaError(grafana(HttpMode.GET, "DROP MEASUREMENT \"cpu\""))).contains("DROP statements are refused");
    }
}
