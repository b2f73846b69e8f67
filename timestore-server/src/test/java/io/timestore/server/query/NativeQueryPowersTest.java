package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The native query route with InfluxQL's query power (issue 22): regular-expression and
 * {@code !=} tag filters, several values of a tag OR-ed, {@code group_by}, {@code fill}, every
 * aggregate InfluxQL has, CSV; each compared with values computed here from the points written,
 * and with what {@code /query} answers for the same question (one engine behind both).
 */
class NativeQueryPowersTest {
    private static final long T0 = 1_704_067_200_000_000_000L; // 2024-01-01T00:00:00Z
    private static final long MINUTE = 60_000_000_000L;
    private static final String[] HOSTS = {"web1", "web2", "db1", "db2"};
    private static final String[] REGIONS = {"eu", "us", "eu", "us"};
    private static final int MINUTES = 6;

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    /** The value of host h at minute m: distinct everywhere, a repeated value per host for mode. */
    private static double value(int host, int minute) {
        return minute == 5 ? host * 10 + 1.5 : host * 10 + minute * minute * 0.5 + 1.5;
    }

    /** web1 has no points at minutes 2 and 3 (for the fills); every other host has all six. */
    private static boolean present(int host, int minute) {
        return !(host == 0 && (minute == 2 || minute == 3));
    }

    @BeforeAll
    static void data() {
        server.tenant("acme");
        audit = new AuditLog(server);
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        assertThat(server.api().postJson("/storage/v1/datasets", "{\"id\": \"fleet\"}", admin).statusCode()).isEqualTo(201);
        var lines = new StringBuilder();
        for (int minute = 0; minute < MINUTES; minute++) {
            for (int host = 0; host < HOSTS.length; host++) {
                if (present(host, minute)) {
                    lines.append("cpu,host=%s,region=%s usage=%s %d\n".formatted(HOSTS[host], REGIONS[host], value(host, minute),
                            T0 + minute * MINUTE));
                }
            }
        }
        var written = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=fleet&precision=ns",
                        bearer(server.tokens().user("acme", "writer")))
                .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    /** GET .../query with the given parameters (name, value, name, value, ...), each value URL-encoded. */
    private static ApiResponse query(String... parameters) {
        return get("query", parameters);
    }

    private static ApiResponse get(String route, String... parameters) {
        var pairs = new ArrayList<String>();
        for (int i = 0; i < parameters.length; i += 2) {
            pairs.add(parameters[i] + "=" + URLEncoder.encode(parameters[i + 1], StandardCharsets.UTF_8));
        }
        return server.api().get("/storage/v1/datasets/fleet/" + route + "?" + String.join("&", pairs),
                bearer(server.tokens().user("acme", "reader")));
    }

    private static String[] aggregate(String... more) {
        var base = List.of("measurement", "cpu", "field", "usage", "start", "2024-01-01T00:00:00Z", "end", "2024-01-01T00:06:00Z",
                "epoch", "ns");
        var all = new ArrayList<>(base);
        all.addAll(Arrays.asList(more));
        return all.toArray(String[]::new);
    }

    private static JsonNode ok(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    /** The hosts of the series in a response, in order. */
    private static List<String> hosts(ApiResponse response) {
        var hosts = new ArrayList<String>();
        ok(response).get("series").forEach(series -> hosts.add(series.at("/tags/host").asText()));
        return hosts;
    }

    /** Each series as "tags: minute=value, ..." (minutes from T0; null values as null). */
    private static Map<String, String> windows(ApiResponse response) {
        var out = new LinkedHashMap<String, String>();
        for (JsonNode series : ok(response).get("series")) {
            var points = new ArrayList<String>();
            series.get("points").forEach(point -> points.add("%d=%s".formatted((point.get(0).asLong() - T0) / MINUTE,
                    point.get(1).isNull() ? "null" : point.get(1).asText())));
            out.put(series.get("tags").toString(), String.join(", ", points));
        }
        return out;
    }

    /** The hosts (in writing order) a predicate on host index keeps. */
    private static List<String> hostsWhere(Predicate<Integer> keep) {
        return IntStream.range(0, HOSTS.length).filter(keep::test).mapToObj(h -> HOSTS[h]).toList();
    }

    @Test
    void a_regular_expression_selects_the_series_whose_tag_it_finds() {
        var web = query("measurement", "cpu", "tag.host", "~^web");
        var notDb = query("measurement", "cpu", "tag.host!", "~^db");
        var digitTwo = query("measurement", "cpu", "tag.host", "~2$", "start", "2024-01-01T00:00:00Z", "end", "2024-01-01T00:06:00Z",
                "step", "1m", "agg", "count");

        assertThat(hosts(web)).isEqualTo(hostsWhere(h -> HOSTS[h].startsWith("web"))).hasSize(2);
        assertThat(hosts(notDb)).isEqualTo(hostsWhere(h -> !HOSTS[h].startsWith("db")));
        assertThat(hosts(digitTwo)).isEqualTo(hostsWhere(h -> HOSTS[h].endsWith("2")));
        // Raw points of the matching series only, all of them.
        int webPoints = 0;
        for (JsonNode series : ok(web).get("series")) {
            webPoints += series.get("points").size();
        }
        assertThat(webPoints).isEqualTo((int) IntStream.range(0, 2).flatMap(h -> IntStream.range(0, MINUTES).filter(m -> present(h, m)))
                .count());
    }

    @Test
    void not_equal_and_several_values_of_one_tag_select_as_influxql_does() {
        var notWeb1 = query("measurement", "cpu", "tag.host!", "web1");
        var either = query("measurement", "cpu", "tag.host", "web1", "tag.host", "db2");
        var neither = query("measurement", "cpu", "tag.host!", "web1", "tag.host!", "db2");
        var mixed = query("measurement", "cpu", "tag.host", "~^db", "tag.host", "web2", "tag.region", "us");

        assertThat(hosts(notWeb1)).isEqualTo(hostsWhere(h -> h != 0));
        assertThat(hosts(either)).isEqualTo(hostsWhere(h -> h == 0 || h == 3));
        assertThat(hosts(neither)).isEqualTo(hostsWhere(h -> h == 1 || h == 2));
        assertThat(hosts(mixed)).isEqualTo(hostsWhere(h -> (HOSTS[h].startsWith("db") || h == 1) && REGIONS[h].equals("us")));
    }

    @Test
    void raw_pages_of_a_regular_expression_filter_follow_each_other_to_the_end() {
        var seen = new ArrayList<String>();
        String cursor = null;
        int pages = 0;
        do {
            var parameters = new ArrayList<>(List.of("measurement", "cpu", "tag.host", "~^(web1|db1)$", "limit", "4", "epoch", "ns"));
            if (cursor != null) {
                parameters.addAll(List.of("cursor", cursor));
            }
            var page = ok(query(parameters.toArray(String[]::new)));
            for (JsonNode series : page.get("series")) {
                series.get("points").forEach(point -> seen.add(series.at("/tags/host").asText() + "@" + (point.get(0).asLong() - T0) / MINUTE));
            }
            cursor = page.has("next_cursor") ? page.get("next_cursor").asText() : null;
            pages++;
        } while (cursor != null);

        var expected = new ArrayList<String>();
        for (int host : new int[] {0, 2}) {
            IntStream.range(0, MINUTES).filter(m -> present(host, m)).forEach(m -> expected.add(HOSTS[host] + "@" + m));
        }
        assertThat(seen).isEqualTo(expected);
        assertThat(pages).isEqualTo((expected.size() + 3) / 4);
    }

    @Test
    void group_by_a_tag_aggregates_all_series_of_each_value_together() {
        var byRegion = windows(query(aggregate("step", "2m", "agg", "mean", "group_by", "region")));

        var expected = new LinkedHashMap<String, String>();
        for (var region : new String[] {"eu", "us"}) {
            var windows = new ArrayList<String>();
            for (int window = 0; window < MINUTES; window += 2) {
                double sum = 0;
                int count = 0;
                for (int host = 0; host < HOSTS.length; host++) {
                    for (int minute = window; minute < window + 2; minute++) {
                        if (REGIONS[host].equals(region) && present(host, minute)) {
                            sum += value(host, minute);
                            count++;
                        }
                    }
                }
                windows.add("%d=%s".formatted(window, sum / count));
            }
            expected.put("{\"region\":\"%s\"}".formatted(region), String.join(", ", windows));
        }
        assertThat(byRegion).isEqualTo(expected);
    }

    @Test
    void each_fill_mode_fills_the_empty_windows_of_a_series() {
        String[] web1 = {"tag.host", "web1", "step", "1m", "agg", "max"};
        var expected = new TreeMap<String, String>();
        expected.put("none", "0=1.5, 1=2.0, 4=9.5, 5=1.5");
        expected.put("null", "0=1.5, 1=2.0, 2=null, 3=null, 4=9.5, 5=1.5");
        expected.put("previous", "0=1.5, 1=2.0, 2=2.0, 3=2.0, 4=9.5, 5=1.5");
        // Linear: from 2.0 at minute 1 to 9.5 at minute 4, a third of the way per minute.
        expected.put("linear", "0=1.5, 1=2.0, 2=%s, 3=%s, 4=9.5, 5=1.5".formatted(2.0 + 7.5 / 3, 2.0 + 2 * 7.5 / 3));
        expected.put("-7", "0=1.5, 1=2.0, 2=-7, 3=-7, 4=9.5, 5=1.5");
        assertThat(value(0, 1)).isEqualTo(2.0);
        assertThat(value(0, 4)).isEqualTo(9.5);

        var actual = new TreeMap<String, String>();
        for (var fill : expected.keySet()) {
            var parameters = new ArrayList<>(List.of(aggregate(web1)));
            parameters.addAll(List.of("fill", fill));
            actual.put(fill, windows(query(parameters.toArray(String[]::new))).values().iterator().next());
        }
        var withoutFill = windows(query(aggregate(web1))).values().iterator().next();

        assertThat(actual).isEqualTo(expected);
        assertThat(withoutFill).isEqualTo(expected.get("none"));
    }

    @Test
    void every_influxql_aggregate_is_an_agg_of_the_native_route() {
        // Over the whole six minutes of db1 (host 2): values 21.5, 22.0, 23.5, 26.0, 29.5, 21.5.
        var values = IntStream.range(0, MINUTES).mapToDouble(m -> value(2, m)).sorted().toArray();
        double mean = Arrays.stream(values).average().orElseThrow();
        double variance = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (values.length - 1);
        var expected = new TreeMap<String, Double>();
        expected.put("mean", mean);
        expected.put("avg", mean);
        expected.put("median", (values[2] + values[3]) / 2);
        expected.put("spread", values[values.length - 1] - values[0]);
        expected.put("stddev", Math.sqrt(variance));
        expected.put("mode", 21.5);
        // Nearest rank: position floor(6 * 90 / 100 + 0.5) = 5 of the sorted values.
        expected.put("percentile", values[4]);
        expected.put("sum", Arrays.stream(values).sum());
        expected.put("count", (double) values.length);

        var actual = new TreeMap<String, Double>();
        for (var agg : expected.keySet()) {
            var parameters = new ArrayList<>(List.of(aggregate("tag.host", "db1", "step", "6m", "agg", agg)));
            if (agg.equals("percentile")) {
                parameters.addAll(List.of("p", "90"));
            }
            var series = ok(query(parameters.toArray(String[]::new))).get("series");
            actual.put(agg, series.get(0).at("/points/0/1").asDouble());
        }

        assertThat(actual).usingComparatorForType(Double::compare, Double.class).isEqualTo(expected);
    }

    @Test
    void transforms_over_the_aggregate_give_influxqls_derivative_difference_and_moving_average() {
        // web2 (host 1) has a point every minute, so each one-minute mean is that point's value.
        double[] v = IntStream.range(0, MINUTES).mapToDouble(m -> value(1, m)).toArray();
        var expected = new TreeMap<String, String>();
        var derivative = new ArrayList<String>();
        var halfMinute = new ArrayList<String>();
        var nonNegative = new ArrayList<String>();
        var average = new ArrayList<String>();
        for (int m = 1; m < MINUTES; m++) {
            derivative.add("%d=%s".formatted(m, v[m] - v[m - 1]));
            halfMinute.add("%d=%s".formatted(m, (v[m] - v[m - 1]) / 2));
            if (v[m] >= v[m - 1]) {
                nonNegative.add("%d=%s".formatted(m, v[m] - v[m - 1]));
            }
            average.add("%d=%s".formatted(m, (v[m] + v[m - 1]) / 2));
        }
        expected.put("derivative", String.join(", ", derivative));
        expected.put("derivative&unit=30s", String.join(", ", halfMinute));
        expected.put("non_negative_derivative", String.join(", ", nonNegative));
        expected.put("difference", String.join(", ", derivative));
        expected.put("moving_average&n=2", String.join(", ", average));

        var actual = new TreeMap<String, String>();
        for (var transform : expected.keySet()) {
            var parameters = new ArrayList<>(List.of(aggregate("tag.host", "web2", "step", "1m", "agg", "mean")));
            var parts = transform.split("[&=]");
            parameters.addAll(List.of("transform", parts[0]));
            if (parts.length == 3) {
                parameters.addAll(List.of(parts[1], parts[2]));
            }
            actual.put(transform, windows(query(parameters.toArray(String[]::new))).values().iterator().next());
        }
        var influx = server.api().get("/query?db=fleet&epoch=ns&q=" + URLEncoder.encode("SELECT derivative(mean(usage)) FROM cpu"
                + " WHERE host = 'web2' AND time >= '2024-01-01T00:00:00Z' AND time < '2024-01-01T00:06:00Z' GROUP BY time(1m)",
                StandardCharsets.UTF_8), bearer(server.tokens().user("acme", "reader")));

        assertThat(actual).isEqualTo(expected);
        var fromInflux = new ArrayList<String>();
        influx.json().at("/results/0/series/0/values").forEach(row -> fromInflux.add("%d=%s".formatted((row.get(0).asLong() - T0) / MINUTE,
                row.get(1).asText())));
        assertThat(String.join(", ", fromInflux)).isEqualTo(expected.get("derivative"));
    }

    @Test
    void group_by_answers_csv_with_a_column_per_grouping_tag() {
        var response = server.api().get("/storage/v1/datasets/fleet/query?measurement=cpu&field=usage&start=2024-01-01T00:00:00Z"
                        + "&end=2024-01-01T00:06:00Z&step=6m&agg=count&group_by=region",
                Api.headers(bearer(server.tokens().user("acme", "reader")), new String[] {"Accept", "text/csv"}));

        long eu = IntStream.range(0, HOSTS.length).filter(h -> REGIONS[h].equals("eu"))
                .mapToLong(h -> IntStream.range(0, MINUTES).filter(m -> present(h, m)).count()).sum();
        long us = IntStream.range(0, HOSTS.length).filter(h -> REGIONS[h].equals("us"))
                .mapToLong(h -> IntStream.range(0, MINUTES).filter(m -> present(h, m)).count()).sum();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body().split("\r\n")).containsExactly("measurement,tag.region,field,type,time,value",
                "cpu,eu,usage,integer,2024-01-01T00:00:00Z," + eu, "cpu,us,usage,integer,2024-01-01T00:00:00Z," + us);
    }

    @Test
    void the_native_route_and_influxql_answer_a_grouped_query_alike() {
        var nativeAnswer = windows(query(aggregate("step", "1m", "agg", "mean", "group_by", "host", "fill", "previous",
                "tag.host", "~^(web1|db2)$")));
        var influx = server.api().get("/query?db=fleet&epoch=ns&q=" + URLEncoder.encode("SELECT mean(usage) FROM cpu WHERE host =~ /^(web1|db2)$/"
                        + " AND time >= '2024-01-01T00:00:00Z' AND time < '2024-01-01T00:06:00Z' GROUP BY time(1m), host fill(previous)",
                StandardCharsets.UTF_8), bearer(server.tokens().user("acme", "reader")));

        assertThat(influx.statusCode()).as(influx.body()).isEqualTo(200);
        var fromInflux = new LinkedHashMap<String, String>();
        for (JsonNode series : influx.json().at("/results/0/series")) {
            var points = new ArrayList<String>();
            series.get("values").forEach(row -> points.add("%d=%s".formatted((row.get(0).asLong() - T0) / MINUTE, row.get(1).asText())));
            fromInflux.put(series.get("tags").toString(), String.join(", ", points));
        }
        assertThat(nativeAnswer).isEqualTo(fromInflux).containsOnlyKeys("{\"host\":\"web1\"}", "{\"host\":\"db2\"}");
        assertThat(nativeAnswer.get("{\"host\":\"web1\"}")).startsWith("0=1.5, 1=2.0, 2=2.0, 3=2.0, 4=9.5");
    }

    @Test
    void the_audit_event_of_a_grouped_query_names_its_aggregate_and_grouping() {
        var response = query(aggregate("step", "3m", "agg", "median", "group_by", "region,host"));

        ok(response);
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/details/agg").asText()).isEqualTo("median");
            assertThat(event.at("/details/group_by").asText()).isEqualTo("region,host");
        });
    }

    @Test
    void bad_filters_groupings_fills_and_aggregates_are_400_naming_the_parameter() {
        var cases = new LinkedHashMap<String, ApiResponse>();
        cases.put("/tag.host", query("measurement", "cpu", "tag.host", "~(unclosed"));
        cases.put("/tag.host!", query("measurement", "cpu", "tag.host!", "~" + "a".repeat(1_001)));
        cases.put("/agg", query(aggregate("step", "1m", "agg", "nope")));
        cases.put("/p", query(aggregate("step", "1m", "agg", "percentile")));
        cases.put("/p ", query(aggregate("step", "1m", "agg", "percentile", "p", "101")));
        cases.put("/p  ", query(aggregate("step", "1m", "agg", "mean", "p", "5")));
        cases.put("/fill", query(aggregate("step", "1m", "agg", "mean", "fill", "sideways")));
        cases.put("/fill ", query(aggregate("step", "1m", "agg", "mean", "fill", "NaN")));
        cases.put("/group_by", query(aggregate("step", "1m", "agg", "mean", "group_by", "host,,region")));
        cases.put("/group_by ", query("measurement", "cpu", "group_by", "host"));
        cases.put("/fill  ", query("measurement", "cpu", "fill", "null"));
        cases.put("/transform", query(aggregate("step", "1m", "agg", "mean", "transform", "integral")));
        cases.put("/n", query(aggregate("step", "1m", "agg", "mean", "transform", "moving_average")));
        cases.put("/n ", query(aggregate("step", "1m", "agg", "mean", "transform", "moving_average", "n", "0")));
        cases.put("/unit", query(aggregate("step", "1m", "agg", "mean", "transform", "difference", "unit", "1s")));
        cases.put("/unit ", query(aggregate("step", "1m", "agg", "mean", "transform", "derivative", "unit", "-1s")));
        cases.put("/fill   ", query(aggregate("step", "1m", "agg", "mean", "transform", "derivative", "fill", "null")));

        var pointers = cases.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, entry -> {
            assertThat(entry.getValue().statusCode()).as(entry.getKey() + ": " + entry.getValue().body()).isEqualTo(400);
            return entry.getValue().json().at("/errors/0/pointer").asText();
        }));
        pointers.forEach((expected, actual) -> assertThat(actual).as(expected).isEqualTo(expected.strip()));
    }

    @Test
    void a_catastrophically_backtracking_expression_is_stopped_and_refused() {
        var written = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=fleet&precision=ns",
                        bearer(server.tokens().user("acme", "writer")))
                .POST(HttpRequest.BodyPublishers.ofString("evil,host=%s! v=1 %d\n".formatted("a".repeat(40), T0))).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);

        // A backreference defeats the JDK's memoization of backtracking: without a bound this runs for ages.
        var response = query("measurement", "evil", "tag.host", "~^(a+)+\\1b");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("detail").asText()).contains("takes too long");
    }

    @Test
    void series_listing_takes_the_same_tag_filters() {
        var listed = ok(get("series", "measurement", "cpu", "tag.region", "us", "tag.host!", "~^db"));

        var hosts = new ArrayList<String>();
        listed.get("items").forEach(item -> hosts.add(item.at("/tags/host").asText()));
        assertThat(hosts).isEqualTo(hostsWhere(h -> REGIONS[h].equals("us") && !HOSTS[h].startsWith("db")).stream().sorted().toList())
                .isNotEmpty();
    }
}
