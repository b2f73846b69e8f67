package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * InfluxQL over {@code /query}, over real HTTP: the requests Grafana's InfluxDB data source sends
 * (InfluxQL mode: {@code GET /query?db=&epoch=ms&q=} or the same as a POST form), each supported
 * feature compared with values computed here from the points the test wrote. The requests exactly
 * as Grafana's source builds them (encoding, headers, Basic credentials) and its parser's reading
 * of the answers are {@link GrafanaRequestsTest}.
 */
class InfluxQlQueryTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final AtomicInteger datasets = new AtomicInteger();
    /** 2023-11-14T22:13:00Z, a whole minute, in milliseconds. */
    static final long T0 = 1_699_999_980_000L;
    static final String[] HOSTS = {"a", "b", "c"};
    static final String[] REGIONS = {"eu", "eu", "us"};
    static final int POINTS = 30; // every 10 s for 5 minutes
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static AuditLog audit;
    private static String cpu;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
        cpu = newDataset("acme");
        var lines = new StringBuilder();
        for (int k = 0; k < HOSTS.length; k++) {
            for (int i = 0; i < POINTS; i++) {
                lines.append("cpu,host=%s,region=%s usage=%s,count=%di %d%n".formatted(HOSTS[k], REGIONS[k], usage(k, i), count(k, i),
                        T0 + i * 10_000L));
            }
        }
        lines.append("gaps v=1 %d%ngaps v=3 %d%ngaps v=8 %d%n".formatted(T0, T0 + 10_000, T0 + 180_000));
        lines.append("disk,host=a free=5i %d%n".formatted(T0));
        write("acme", cpu, lines.toString());
    }

    static double usage(int host, int i) {
        return ((i * 7 + host * 13) % 17) + 0.25 * host;
    }

    static long count(int host, int i) {
        return i + host;
    }

    static String[] as(String tenant, String role) {
        return bearer(server.tokens().user(tenant, role));
    }

    static String newDataset(String tenant) {
        var id = "ql-" + datasets.incrementAndGet();
        var response = server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(id), as(tenant, "tenant-admin"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return id;
    }

    static void write(String tenant, String dataset, String lines) {
        var response = server.api().post("/write?precision=ms&db=" + dataset, lines, as(tenant, "writer"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
    }

    static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** Grafana's GET: {@code /query?db=&epoch=ms&q=}. */
    static ApiResponse get(String dataset, String q, String... headers) {
        return server.api().get("/query?db=%s&epoch=ms&q=%s".formatted(dataset, enc(q)), headers.length == 0 ? as("acme", "reader") : headers);
    }

    /** The first result's series, after checking the answer is 200 JSON with no error. */
    static JsonNode series(String dataset, String q) {
        var response = get(dataset, q);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.json().at("/results/0/error").isMissingNode()).as(response.body()).isTrue();
        return response.json().at("/results/0/series");
    }

    static String timeFilter(long fromMs, long toMs) {
        return "time >= %dms and time <= %dms".formatted(fromMs, toMs);
    }

    static List<Double> usages(int host, int fromIndex, int toIndex) {
        var values = new ArrayList<Double>();
        for (int i = fromIndex; i < toIndex; i++) {
            values.add(usage(host, i));
        }
        return values;
    }

    @Test
    void grafanas_panel_query_with_time_filter_and_interval_expanded_gives_the_mean_per_host_and_minute() {
        var q = "SELECT mean(\"usage\") FROM \"cpu\" WHERE (\"region\"::tag = 'eu') AND %s GROUP BY time(1m), \"host\"::tag fill(null)"
                .formatted(timeFilter(T0, T0 + 299_999));

        var series = series(cpu, q);

        assertThat(series).hasSize(2);
        for (int k = 0; k < 2; k++) {
            var one = series.get(k);
            assertThat(one.get("name").asText()).isEqualTo("cpu");
            assertThat(one.at("/tags/host").asText()).isEqualTo(HOSTS[k]);
            assertThat(one.get("columns").toString()).isEqualTo("[\"time\",\"mean\"]");
            assertThat(one.get("values")).hasSize(5);
            for (int minute = 0; minute < 5; minute++) {
                var row = one.get("values").get(minute);
                assertThat(row.get(0).asLong()).isEqualTo(T0 + minute * 60_000L);
                double expected = usages(k, minute * 6, minute * 6 + 6).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
                assertThat(row.get(1).asDouble()).isCloseTo(expected, within(1e-9));
            }
        }
    }

    @Test
    void aggregates_and_selectors_over_the_whole_range_equal_values_computed_here() {
        var values = usages(1, 0, POINTS);
        var sorted = values.stream().sorted().toList();
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double variance = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / (values.size() - 1);
        var frequency = new TreeMap<Double, Integer>();
        values.forEach(v -> frequency.merge(v, 1, Integer::sum));
        int most = frequency.values().stream().max(Integer::compare).orElseThrow();
        double mode = frequency.entrySet().stream().filter(e -> e.getValue() == most).findFirst().orElseThrow().getKey();
        double median = (sorted.get(14) + sorted.get(15)) / 2;
        double p90 = sorted.get((int) Math.floor(POINTS * 90 / 100.0 + 0.5) - 1);

        var q = "SELECT mean(usage), median(usage), count(usage), sum(usage), min(usage), max(usage), first(usage), last(usage),"
                + " spread(usage), stddev(usage), percentile(usage, 90), mode(usage), sum(\"count\") FROM cpu WHERE host = 'b' AND "
                + timeFilter(T0, T0 + 299_999);
        var series = series(cpu, q);

        assertThat(series).hasSize(1);
        assertThat(series.at("/0/columns").toString()).isEqualTo("[\"time\",\"mean\",\"median\",\"count\",\"sum\",\"min\",\"max\","
                + "\"first\",\"last\",\"spread\",\"stddev\",\"percentile\",\"mode\",\"sum_1\"]");
        var row = series.at("/0/values/0");
        assertThat(row.get(0).asLong()).isEqualTo(T0);
        double[] expected = {mean, median, POINTS, values.stream().mapToDouble(Double::doubleValue).sum(), sorted.getFirst(),
                sorted.getLast(), values.getFirst(), values.getLast(), sorted.getLast() - sorted.getFirst(), Math.sqrt(variance), p90,
                mode, java.util.stream.IntStream.range(0, POINTS).mapToLong(i -> count(1, i)).sum()};
        for (int i = 0; i < expected.length; i++) {
            assertThat(row.get(i + 1).asDouble()).as(series.at("/0/columns").get(i + 1).asText()).isCloseTo(expected[i], within(1e-9));
        }
        assertThat(row.get(3).isIntegralNumber()).as("count is an integer").isTrue();
    }

    @Test
    void a_lone_selector_without_group_by_time_gives_the_time_of_the_point_it_selected() {
        var values = usages(1, 0, POINTS);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        var range = " FROM cpu WHERE host = 'b' AND " + timeFilter(T0, T0 + 299_999);
        Map<String, long[]> cases = Map.of(
                "first(usage)", new long[] {0},
                "last(usage)", new long[] {POINTS - 1},
                "max(usage)", new long[] {values.indexOf(max)},
                "min(usage)", new long[] {values.indexOf(min)});
        cases.forEach((selector, index) -> {
            var row = series(cpu, "SELECT " + selector + range).at("/0/values/0");
            assertThat(row.get(0).asLong()).as(selector).isEqualTo(T0 + index[0] * 10_000L);
            assertThat(row.get(1).asDouble()).as(selector).isEqualTo(values.get((int) index[0]));
        });
        assertThat(series(cpu, "SELECT mean(usage)" + range).at("/0/values/0/0").asLong()).as("an aggregate: the range's start").isEqualTo(T0);
    }

    @Test
    void distinct_top_and_bottom_give_the_values_computed_here_with_and_without_group_by_time() {
        var values = usages(1, 0, POINTS);
        var range = " FROM cpu WHERE host = 'b' AND " + timeFilter(T0, T0 + 299_999);
        // Computed here: distinct values sorted at the window's start; top/bottom the N largest/smallest
        // (earlier index first among equals) at their own times, in time order.
        java.util.function.BiFunction<List<Integer>, Integer, List<Integer>> topIndexes = (indexes, n) -> indexes.stream()
                .sorted(java.util.Comparator.<Integer, Double>comparing(values::get).reversed().thenComparing(i -> i)).limit(n).sorted().toList();
        java.util.function.BiFunction<List<Integer>, Integer, List<Integer>> bottomIndexes = (indexes, n) -> indexes.stream()
                .sorted(java.util.Comparator.<Integer, Double>comparing(values::get).thenComparing(i -> i)).limit(n).sorted().toList();
        var all = java.util.stream.IntStream.range(0, POINTS).boxed().toList();
        java.util.function.Function<List<Integer>, String> atTheirTimes = indexes -> JSON.valueToTree(indexes.stream()
                .map(i -> List.<Object>of(T0 + i * 10_000L, values.get(i))).toList()).toString();

        assertThat(series(cpu, "SELECT distinct(usage)" + range).at("/0/columns").toString()).isEqualTo("[\"time\",\"distinct\"]");
        assertThat(series(cpu, "SELECT distinct(usage)" + range).at("/0/values").toString()).isEqualTo(JSON.valueToTree(
                new java.util.TreeSet<>(values).stream().map(v -> List.<Object>of(T0, v)).toList()).toString());
        assertThat(series(cpu, "SELECT top(usage, 3)" + range).at("/0/values").toString()).isEqualTo(atTheirTimes.apply(topIndexes.apply(all, 3)));
        assertThat(series(cpu, "SELECT bottom(usage, 4) AS low" + range).at("/0/columns/1").asText()).isEqualTo("low");
        assertThat(series(cpu, "SELECT bottom(usage, 4)" + range).at("/0/values").toString())
                .isEqualTo(atTheirTimes.apply(bottomIndexes.apply(all, 4)));

        var perMinuteTop = new ArrayList<Integer>();
        var perMinuteDistinct = new ArrayList<List<Object>>();
        for (int minute = 0; minute < 5; minute++) {
            var window = java.util.stream.IntStream.range(minute * 6, minute * 6 + 6).boxed().toList();
            perMinuteTop.addAll(topIndexes.apply(window, 2));
            long start = T0 + minute * 60_000L;
            window.stream().map(values::get).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new))
                    .forEach(v -> perMinuteDistinct.add(List.of(start, v)));
        }
        assertThat(series(cpu, "SELECT top(usage, 2)" + range + " GROUP BY time(1m)").at("/0/values").toString())
                .isEqualTo(atTheirTimes.apply(perMinuteTop));
        assertThat(series(cpu, "SELECT distinct(usage)" + range + " GROUP BY time(1m)").at("/0/values").toString())
                .isEqualTo(JSON.valueToTree(perMinuteDistinct).toString());
        var descending = series(cpu, "SELECT top(usage, 3)" + range + " ORDER BY time DESC").at("/0/values/0/0").asLong();
        assertThat(descending).isEqualTo(T0 + topIndexes.apply(all, 3).getLast() * 10_000L);
    }

    @Test
    void integral_is_the_area_under_the_points_in_its_unit_over_the_range_and_per_window_cut_at_the_window_ends() {
        var values = usages(1, 0, POINTS);
        // Computed here geometrically: the exact integral, in seconds, over [a, b] of the line through the
        // points (10 s apart), each segment clipped to [a, b].
        java.util.function.BiFunction<Double, Double, Double> area = (a, b) -> {
            double total = 0;
            for (int i = 0; i + 1 < POINTS; i++) {
                double start = 10.0 * i;
                double from = Math.max(a, start);
                double to = Math.min(b, start + 10);
                if (to > from) {
                    double slope = (values.get(i + 1) - values.get(i)) / 10;
                    total += (to - from) * (values.get(i) + slope * (from - start) + values.get(i) + slope * (to - start)) / 2;
                }
            }
            return total;
        };
        var range = " FROM cpu WHERE host = 'b' AND " + timeFilter(T0, T0 + 299_999);

        var whole = series(cpu, "SELECT integral(usage)" + range).at("/0/values/0");
        assertThat(whole.get(0).asLong()).isEqualTo(T0);
        assertThat(whole.get(1).asDouble()).isCloseTo(area.apply(0.0, 290.0), within(1e-9));
        assertThat(series(cpu, "SELECT integral(usage, 1m)" + range).at("/0/values/0/1").asDouble())
                .isCloseTo(area.apply(0.0, 290.0) / 60, within(1e-9));
        var windows = series(cpu, "SELECT integral(usage)" + range + " GROUP BY time(1m)").at("/0/values");
        assertThat(windows).hasSize(5);
        for (int w = 0; w < 5; w++) {
            assertThat(windows.get(w).get(0).asLong()).isEqualTo(T0 + w * 60_000L);
            assertThat(windows.get(w).get(1).asDouble()).as("window %d", w).isCloseTo(area.apply(60.0 * w, 60.0 * w + 60), within(1e-9));
        }
    }

    @Test
    void tag_filters_not_equal_regex_not_regex_and_or_within_a_tag_select_the_right_hosts() {
        var range = " AND " + timeFilter(T0, T0 + 299_999) + " GROUP BY host";
        Map<String, List<String>> cases = Map.of(
                "host != 'a'", List.of("b", "c"),
                "host =~ /^[ab]$/", List.of("a", "b"),
                "host !~ /a|b/", List.of("c"),
                "(host = 'a' OR host = 'c')", List.of("a", "c"),
                "region = 'eu' AND host =~ /b/", List.of("b"),
                "nothere = ''", List.of("a", "b", "c"));
        cases.forEach((condition, hosts) -> {
            var series = series(cpu, "SELECT count(usage) FROM cpu WHERE " + condition + range);
            var found = new ArrayList<String>();
            series.forEach(one -> {
                found.add(one.at("/tags/host").asText());
                assertThat(one.at("/values/0/1").asLong()).isEqualTo(POINTS);
            });
            assertThat(found).as(condition).isEqualTo(hosts);
        });
    }

    @Test
    void fill_modes_fill_the_empty_windows_as_influxdb_does() {
        var base = "SELECT mean(v) FROM gaps WHERE time >= %dms AND time < %dms GROUP BY time(1m) ".formatted(T0, T0 + 300_000);
        Map<String, List<Double>> cases = new HashMap<>();
        cases.put("fill(null)", Arrays.asList(2.0, null, null, 8.0, null));
        cases.put("", Arrays.asList(2.0, null, null, 8.0, null));
        cases.put("fill(none)", List.of(2.0, 8.0));
        cases.put("fill(previous)", List.of(2.0, 2.0, 2.0, 8.0, 8.0));
        cases.put("fill(linear)", Arrays.asList(2.0, 4.0, 6.0, 8.0, null));
        cases.put("fill(0)", List.of(2.0, 0.0, 0.0, 8.0, 0.0));
        cases.put("fill(-2.5)", List.of(2.0, -2.5, -2.5, 8.0, -2.5));
        cases.forEach((fill, expected) -> {
            var values = series(cpu, base + fill).at("/0/values");
            var actual = new ArrayList<Double>();
            values.forEach(row -> actual.add(row.get(1).isNull() ? null : row.get(1).asDouble()));
            assertThat(actual).as(fill).isEqualTo(expected);
        });
        var none = series(cpu, base + "fill(none)").at("/0/values");
        assertThat(none.get(1).get(0).asLong()).isEqualTo(T0 + 180_000);
    }

    @Test
    void derivative_difference_and_moving_average_transform_the_windows_of_an_aggregate() {
        var means = new ArrayList<Double>();
        for (int minute = 0; minute < 5; minute++) {
            means.add(usages(1, minute * 6, minute * 6 + 6).stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        }
        var q = "SELECT derivative(mean(usage)), derivative(mean(usage), 1s) AS per_second, difference(mean(usage)),"
                + " non_negative_derivative(mean(usage)), moving_average(mean(usage), 2) FROM cpu WHERE host = 'b' AND %s GROUP BY time(1m)"
                .formatted(timeFilter(T0, T0 + 299_999));

        var series = series(cpu, q);

        assertThat(series.at("/0/columns").toString()).isEqualTo("[\"time\",\"derivative\",\"per_second\",\"difference\","
                + "\"non_negative_derivative\",\"moving_average\"]");
        var values = series.at("/0/values");
        assertThat(values).as("the first window has no previous one").hasSize(4);
        for (int r = 0; r < 4; r++) {
            int minute = r + 1;
            double change = means.get(minute) - means.get(minute - 1);
            var row = values.get(r);
            assertThat(row.get(0).asLong()).isEqualTo(T0 + minute * 60_000L);
            assertThat(row.get(1).asDouble()).isCloseTo(change, within(1e-9));
            assertThat(row.get(2).asDouble()).isCloseTo(change / 60, within(1e-9));
            assertThat(row.get(3).asDouble()).isCloseTo(change, within(1e-9));
            if (change >= 0) {
                assertThat(row.get(4).asDouble()).isCloseTo(change, within(1e-9));
            } else {
                assertThat(row.get(4).isNull()).isTrue();
            }
            assertThat(row.get(5).asDouble()).isCloseTo((means.get(minute) + means.get(minute - 1)) / 2, within(1e-9));
        }
    }

    @Test
    void raw_points_come_back_by_time_with_order_by_time_desc_limit_and_tag_columns() {
        var series = series(cpu, "SELECT \"usage\", \"host\"::tag, \"count\" FROM cpu WHERE \"host\" = 'c' AND time >= %dms ORDER BY time DESC LIMIT 3"
                .formatted(T0));

        assertThat(series.at("/0/columns").toString()).isEqualTo("[\"time\",\"usage\",\"host\",\"count\"]");
        var values = series.at("/0/values");
        assertThat(values).hasSize(3);
        for (int r = 0; r < 3; r++) {
            int i = POINTS - 1 - r;
            assertThat(values.get(r).toString()).isEqualTo("[%d,%s,\"c\",%d]".formatted(T0 + i * 10_000L, usage(2, i), count(2, i)));
        }
    }

    @Test
    void select_star_gives_fields_and_tags_sorted_and_one_row_per_point_and_tag_set() {
        var series = series(cpu, "SELECT * FROM cpu WHERE time = %dms".formatted(T0 + 10_000));

        assertThat(series.at("/0/columns").toString()).isEqualTo("[\"time\",\"count\",\"host\",\"region\",\"usage\"]");
        assertThat(series.at("/0/values").toString()).isEqualTo("[[%1$d,1,\"a\",\"eu\",%2$s],[%1$d,2,\"b\",\"eu\",%3$s],[%1$d,3,\"c\",\"us\",%4$s]]"
                .formatted(T0 + 10_000, usage(0, 1), usage(1, 1), usage(2, 1)));
    }

    @Test
    void slimit_soffset_and_offset_page_series_and_rows() {
        var series = series(cpu, "SELECT max(usage) FROM cpu WHERE %s GROUP BY time(1m), host fill(none) LIMIT 2 OFFSET 1 SLIMIT 1 SOFFSET 1"
                .formatted(timeFilter(T0, T0 + 299_999)));

        assertThat(series).hasSize(1);
        assertThat(series.at("/0/tags/host").asText()).isEqualTo("b");
        assertThat(series.at("/0/values")).hasSize(2);
        assertThat(series.at("/0/values/0/0").asLong()).isEqualTo(T0 + 60_000);
        assertThat(series.at("/0/values/0/1").asDouble()).isEqualTo(usages(1, 6, 12).stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }

    @Test
    void now_minus_a_duration_reads_the_recent_points_only() {
        var dataset = newDataset("acme");
        long nowMs = System.currentTimeMillis();
        write("acme", dataset, "m v=1 %d%nm v=2 %d%nm v=4 %d%n".formatted(nowMs - 3_600_000L, nowMs - 60_000L, nowMs - 8 * 3_600_000L));

        var series = series(dataset, "SELECT sum(v) FROM m WHERE time > now() - 6h");

        assertThat(series.at("/0/values/0/1").asDouble()).isEqualTo(3.0);
    }

    @Test
    void times_are_rfc3339_without_epoch_and_integers_in_its_unit_with_it() {
        var q = enc("SELECT v FROM gaps WHERE time >= %dms LIMIT 1".formatted(T0));
        var rfc = server.api().get("/query?db=%s&q=%s".formatted(cpu, q), as("acme", "reader")).json();
        var seconds = server.api().get("/query?db=%s&epoch=s&q=%s".formatted(cpu, q), as("acme", "reader")).json();

        assertThat(rfc.at("/results/0/series/0/values/0/0").asText()).isEqualTo("2023-11-14T22:13:00Z");
        assertThat(seconds.at("/results/0/series/0/values/0/0").asLong()).isEqualTo(T0 / 1000);
    }

    @Test
    void grafanas_connection_test_and_metric_find_queries_answer_as_influxdb_does() {
        var health = series(cpu, "SHOW measurements");
        assertThat(health.toString()).isEqualTo("[{\"name\":\"measurements\",\"columns\":[\"name\"],\"values\":[[\"cpu\"],[\"disk\"],[\"gaps\"]]}]");

        assertThat(series(cpu, "SHOW MEASUREMENTS WITH MEASUREMENT =~ /^(c|d)/ LIMIT 1").at("/0/values").toString()).isEqualTo("[[\"cpu\"]]");
        assertThat(series(cpu, "SHOW MEASUREMENTS WHERE \"region\" = 'us'").at("/0/values").toString()).isEqualTo("[[\"cpu\"]]");
        assertThat(series(cpu, "SHOW TAG KEYS FROM \"cpu\"").toString())
                .isEqualTo("[{\"name\":\"cpu\",\"columns\":[\"tagKey\"],\"values\":[[\"host\"],[\"region\"]]}]");
        assertThat(series(cpu, "SHOW TAG KEYS").toString()).contains("{\"name\":\"disk\",\"columns\":[\"tagKey\"],\"values\":[[\"host\"]]}");
        assertThat(series(cpu, "SHOW TAG VALUES FROM \"cpu\" WITH KEY = \"host\" WHERE \"region\" = 'eu'").toString())
                .isEqualTo("[{\"name\":\"cpu\",\"columns\":[\"key\",\"value\"],\"values\":[[\"host\",\"a\"],[\"host\",\"b\"]]}]");
        assertThat(series(cpu, "SHOW TAG VALUES FROM \"cpu\" WITH KEY IN (\"region\")").at("/0/values").toString())
                .isEqualTo("[[\"region\",\"eu\"],[\"region\",\"us\"]]");
        assertThat(series(cpu, "SHOW FIELD KEYS FROM \"cpu\"").toString())
                .isEqualTo("[{\"name\":\"cpu\",\"columns\":[\"fieldKey\",\"fieldType\"],\"values\":[[\"count\",\"integer\"],[\"usage\",\"float\"]]}]");
        assertThat(series(cpu, "SHOW RETENTION POLICIES on \"%s\"".formatted(cpu)).toString())
                .isEqualTo("[{\"columns\":[\"name\",\"duration\",\"shardGroupDuration\",\"replicaN\",\"default\"],"
                        + "\"values\":[[\"autogen\",\"0s\",\"168h0m0s\",1,true]]}]");
    }

    @Test
    void show_series_lists_each_measurement_and_tag_set_once_as_its_escaped_series_key() {
        var dataset = newDataset("acme");
        write("acme", dataset, """
                cpu,host=b,region=eu usage=1,idle=2 %1$d
                cpu,region=eu,host=a usage=1 %1$d
                cpu,region=eu,host=a usage=2 %2$d
                net\\,work,if=eth\\ 0,k\\=1=v\\,1 rx=1i %1$d
                disk free=1i %1$d
                """.formatted(T0, T0 + 1000));
        // Computed here: one key per measurement and tag set (not per field or point), tags sorted by key,
        // line protocol's escapes kept, keys sorted.
        var all = List.of("cpu,host=a,region=eu", "cpu,host=b,region=eu", "disk", "net\\,work,if=eth\\ 0,k\\=1=v\\,1");

        assertThat(series(dataset, "SHOW SERIES").toString()).isEqualTo("[{\"columns\":[\"key\"],\"values\":[%s]}]"
                .formatted(String.join(",", all.stream().map(key -> JSON.valueToTree(List.of(key)).toString()).toList())));
        assertThat(series(dataset, "SHOW SERIES FROM \"cpu\" WHERE \"host\" =~ /^b/").at("/0/values").toString())
                .isEqualTo("[[\"cpu,host=b,region=eu\"]]");
        assertThat(series(dataset, "SHOW SERIES ON \"%s\" LIMIT 2 OFFSET 1".formatted(dataset)).at("/0/values").toString())
                .isEqualTo(JSON.valueToTree(List.of(List.of(all.get(1)), List.of(all.get(2)))).toString());
        assertThat(series(dataset, "SHOW SERIES FROM nothing").isMissingNode()).isTrue();
    }

    @Test
    void grafanas_post_form_with_several_statements_answers_one_result_per_statement() {
        var request = server.api().request("/query?db=%s&epoch=ms".formatted(cpu), as("acme", "reader"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("q=" + enc("SHOW MEASUREMENTS LIMIT 1; SELECT last(v) FROM gaps WHERE "
                        + timeFilter(T0, T0 + 299_999)))).build();

        var response = server.api().send(request);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var results = response.json().get("results");
        assertThat(results).hasSize(2);
        assertThat(results.get(0).get("statement_id").asInt()).isZero();
        assertThat(results.get(0).at("/series/0/values").toString()).isEqualTo("[[\"cpu\"]]");
        assertThat(results.get(1).get("statement_id").asInt()).isEqualTo(1);
        assertThat(results.get(1).at("/series/0/values/0/1").asDouble()).isEqualTo(8.0);
    }

    @Test
    void chunked_answers_one_document_per_line_with_partial_until_the_last() throws Exception {
        var response = server.api().get("/query?db=%s&epoch=ms&chunked=true&chunk_size=2&q=%s".formatted(cpu,
                enc("SELECT v FROM gaps WHERE time >= %dms".formatted(T0))), as("acme", "reader"));

        var lines = response.body().strip().lines().toList();
        assertThat(lines).hasSize(2);
        var first = JSON.readTree(lines.get(0));
        var last = JSON.readTree(lines.get(1));
        assertThat(first.at("/results/0/series/0/values")).hasSize(2);
        assertThat(first.at("/results/0/partial").asBoolean()).isTrue();
        assertThat(first.at("/results/0/series/0/partial").asBoolean()).isTrue();
        assertThat(last.at("/results/0/series/0/values")).hasSize(1);
        assertThat(last.at("/results/0/partial").isMissingNode()).isTrue();
    }

    @Test
    void accept_application_csv_answers_influxdbs_csv_one_block_per_statement() {
        var q = "SELECT count(usage), last(\"count\") FROM cpu WHERE %s GROUP BY host; SHOW TAG KEYS FROM cpu"
                .formatted(timeFilter(T0, T0 + 299_999));

        var response = server.api().get("/query?db=%s&epoch=ms&q=%s".formatted(cpu, enc(q)),
                Api.headers(as("acme", "reader"), new String[] {"Accept", "application/csv"}));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/csv");
        assertThat(response.body()).isEqualTo(("name,tags,time,count,last\r\n"
                + "cpu,host=a,%1$d,30,29\r\ncpu,host=b,%1$d,30,30\r\ncpu,host=c,%1$d,30,31\r\n"
                + "\r\n"
                + "name,tags,tagKey\r\ncpu,,host\r\ncpu,,region\r\n").formatted(T0));
    }

    @Test
    void show_databases_lists_only_the_datasets_the_caller_may_read() {
        var other = newDataset("acme");
        var token = server.api().postJson("/admin/v1/tokens", """
                {"name": "grafana", "permissions": [{"action": "dataset:read", "datasets": ["%s"]}]}
                """.formatted(other), as("acme", "tenant-admin")).json().get("token").asText();

        var byToken = server.api().get("/query?q=SHOW%20DATABASES&u=grafana&p=" + enc(token));
        var byReader = series(cpu, "SHOW DATABASES");

        assertThat(byToken.statusCode()).as(byToken.body()).isEqualTo(200);
        assertThat(byToken.json().at("/results/0/series/0/values").toString()).isEqualTo("[[\"%s\"]]".formatted(other));
        assertThat(byReader.at("/0/values").toString()).contains("[\"%s\"]".formatted(cpu), "[\"%s\"]".formatted(other));
    }

    @Test
    void a_statement_naming_another_dataset_is_authorized_for_that_dataset() {
        var other = newDataset("acme");
        write("acme", other, "m v=42 %d".formatted(T0));
        var token = server.api().postJson("/admin/v1/tokens", """
                {"name": "one-dataset", "permissions": [{"action": "dataset:read", "datasets": ["%s"]}]}
                """.formatted(cpu), as("acme", "tenant-admin")).json().get("token").asText();
        var q = "SELECT last(v) FROM \"%s\".\"autogen\".\"m\" WHERE time >= %dms".formatted(other, T0);

        var byReader = get(cpu, q);
        var byToken = get(cpu, q, "Authorization", "Token " + token);
        var showOn = get(cpu, "SHOW MEASUREMENTS ON \"%s\"".formatted(other), "Authorization", "Token " + token);

        assertThat(byReader.json().at("/results/0/series/0/values/0/1").asDouble()).isEqualTo(42.0);
        assertThat(byToken.statusCode()).isEqualTo(403);
        assertThat(byToken.json().get("error").asText()).isEqualTo(byToken.json().get("detail").asText());
        assertThat(showOn.statusCode()).isEqualTo(403);
        assertThat(audit.eventsFor(byToken.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/status").asInt()).isEqualTo(403));
    }

    @Test
    void another_tenants_dataset_is_not_found() {
        var response = get(cpu, "SHOW MEASUREMENTS", as("globex", "reader"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.header("X-Influxdb-Error")).contains(cpu);
    }

    @Test
    void statements_that_change_data_are_refused_403_in_the_influxdb_error_shape_and_audited() {
        for (var q : List.of("DROP MEASUREMENT cpu", "DELETE FROM cpu", "SELECT * INTO copy FROM cpu", "SHOW DATABASES; CREATE DATABASE x")) {
            var response = get(cpu, q, as("acme", "tenant-admin"));

            assertThat(response.statusCode()).as(q).isEqualTo(403);
            assertThat(response.json().get("code").asText()).isEqualTo("statement_refused");
            assertThat(response.json().get("error").asText()).contains("refused");
            assertThat(response.header("X-Influxdb-Error")).isEqualTo(response.json().get("error").asText());
            assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
                assertThat(event.at("/outcome/error/code").asText()).isEqualTo("statement_refused");
                assertThat(event.at("/details/refused").asText()).isNotBlank();
            });
        }
        assertThat(series(cpu, "SELECT count(usage) FROM cpu WHERE time >= %dms".formatted(T0)).at("/0/values/0/1").asLong())
                .isEqualTo(3L * POINTS);
    }

    @Test
    void a_parse_error_is_400_naming_the_position_in_the_influxdb_error_shape() {
        var response = get(cpu, "SELECT mean(usage) FROM cpu WHERE");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().get("error").asText())
                .isEqualTo("error parsing query: found EOF, expected identifier, string, number, bool at line 1, char 34");
        assertThat(response.header("X-Influxdb-Error")).isEqualTo(response.json().get("error").asText());
    }

    @Test
    void each_query_is_audited_once_with_its_statement_and_without_its_literals() {
        var response = get(cpu, "SELECT count(usage) FROM cpu WHERE host = 'secret-host' AND time >= %dms".formatted(T0));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/operation/dataset_id").asText()).isEqualTo(cpu);
            assertThat(event.at("/details/statement").asText()).isEqualTo("SELECT count ( usage ) FROM cpu WHERE host = ? AND time >= ?");
            assertThat(event.toString()).doesNotContain("secret-host");
        });
    }

    @Test
    void a_catastrophically_backtracking_regex_is_stopped_and_refused() {
        var dataset = newDataset("acme");
        write("acme", dataset, "m,host=%s! v=1 %d".formatted("a".repeat(40), T0));

        // A backreference defeats the JDK's memoization of backtracking: without a bound this runs for ages.
        var response = get(dataset, "SELECT count(v) FROM m WHERE host =~ /^(a+)+\\1b/ AND time >= %dms".formatted(T0));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.json().get("error").asText()).contains("takes too long");
    }

    @Test
    void unsupported_features_are_400_naming_them() {
        var cases = Map.of(
                "SELECT sample(usage, 2) FROM cpu WHERE time >= 0", "sample",
                "SELECT integral(usage, 0s) FROM cpu WHERE time >= 0", "positive duration",
                "SELECT top(usage, 2), \"count\" FROM cpu WHERE time >= 0", "top() cannot be combined with other functions or fields",
                "SELECT bottom(usage, 0) FROM cpu WHERE time >= 0", "positive integer",
                "SELECT derivative(mean(usage)) FROM cpu WHERE time >= 0", "GROUP BY time",
                "SELECT mean(usage) FROM cpu WHERE usage > 5 AND time >= 0", "field values",
                "SELECT mean(usage) FROM cpu GROUP BY time(1m)", "lower limit",
                "SELECT mean(usage), usage FROM cpu", "mixing",
                "SELECT mean(usage) FROM cpu WHERE time >= 0 GROUP BY time(36h) tz('Europe/Paris')", "whole days",
                "SELECT mean(usage) FROM cpu WHERE time >= 0 OR host = 'a'", "OR");
        cases.forEach((q, named) -> {
            var response = get(cpu, q);
            assertThat(response.statusCode()).as(q).isEqualTo(400);
            assertThat(response.json().get("error").asText()).as(q).contains(named);
        });
        assertThat(get("", "SHOW MEASUREMENTS").json().get("error").asText()).contains("database name required");
    }

    @Test
    void the_official_influxdb_1x_java_client_writes_through_write_and_reads_through_query() {
        var dataset = newDataset("acme");
        var token = server.api().postJson("/admin/v1/tokens", """
                {"name": "v1", "permissions": [{"action": "dataset:write", "datasets": ["%s"]}, {"action": "dataset:read", "datasets": ["%s"]}]}
                """.formatted(dataset, dataset), as("acme", "tenant-admin")).json().get("token").asText();
        var http = new okhttp3.OkHttpClient.Builder().addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
                .url(chain.request().url().newBuilder().addQueryParameter("u", "grafana").addQueryParameter("p", token).build()).build()));

        try (var client = org.influxdb.InfluxDBFactory.connect(server.api().base().toString(), http)) {
            var batch = org.influxdb.dto.BatchPoints.database(dataset).build();
            for (int i = 0; i < 4; i++) {
                batch.point(org.influxdb.dto.Point.measurement("temp").tag("room", i % 2 == 0 ? "kitchen" : "hall")
                        .time(T0 + i * 1_000L, java.util.concurrent.TimeUnit.MILLISECONDS).addField("c", 20.0 + i).build());
            }
            client.write(batch);

            var result = client.query(new org.influxdb.dto.Query(
                    "SELECT mean(\"c\") FROM \"temp\" WHERE time >= %dms GROUP BY \"room\"".formatted(T0), dataset),
                    java.util.concurrent.TimeUnit.MILLISECONDS);

            assertThat(result.hasError()).isFalse();
            var series = result.getResults().getFirst().getSeries();
            assertThat(series).hasSize(2);
            assertThat(series.get(0).getTags()).containsEntry("room", "hall");
            assertThat(((Number) series.get(0).getValues().getFirst().get(1)).doubleValue()).isEqualTo((21.0 + 23.0) / 2);
            assertThat(series.get(1).getTags()).containsEntry("room", "kitchen");
            assertThat(((Number) series.get(1).getValues().getFirst().get(1)).doubleValue()).isEqualTo((20.0 + 22.0) / 2);
            var databases = client.query(new org.influxdb.dto.Query("SHOW DATABASES"));
            assertThat(databases.getResults().getFirst().getSeries().getFirst().getValues()).containsExactly(List.of(dataset));
        }
    }
}
