package io.timestore.server.ingest;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.TenantId;
import io.timestore.server.config.PointsSettings;
import io.timestore.server.retention.PointsRetention;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** JSON ingestion, queries and series over real HTTP (issue 4), with authorization and isolation. */
class PointsRoutesTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
    }

    static String[] as(String tenant, String role) {
        return bearer(server.tokens().user(tenant, role));
    }

    static void dataset(String tenant, String body) {
        var response = server.api().postJson("/storage/v1/datasets", body, as(tenant, "tenant-admin"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    static ApiResponse write(String tenant, String dataset, String json) {
        return server.api().postJson("/storage/v1/datasets/%s/points".formatted(dataset), json, as(tenant, "writer"));
    }

    static ApiResponse query(String tenant, String dataset, String parameters) {
        return server.api().get("/storage/v1/datasets/%s/query?%s".formatted(dataset, parameters), as(tenant, "reader"));
    }

    static long count(String tenant, String dataset) {
        try (var connection = server.postgres().superuser(server.database());
             var statement = connection.prepareStatement("SELECT count(*) FROM points WHERE tenant_id = ? AND dataset_id = ?")) {
            statement.setString(1, tenant);
            statement.setString(2, dataset);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void points_of_every_type_round_trip_exactly_with_nanosecond_timestamps() {
        dataset("acme", "{\"id\": \"types\"}");
        var response = write("acme", "types", """
                {"points": [
                  {"measurement": "m", "tags": {"host": "h1"}, "time": 1700000000123456789,
                   "fields": {"f": 0.1, "i": -9223372036854775808, "u": {"type": "unsigned", "value": 18446744073709551615},
                              "b": true, "s": "hé \\"q\\"", "big": 1.7976931348623157e308}},
                  {"measurement": "m", "tags": {"host": "h1"}, "time": "2023-11-14T22:13:20.000000001Z",
                   "fields": {"f": 5.0, "i": 9223372036854775807, "u": {"type": "unsigned", "value": "0"}, "b": false, "s": "",
                              "big": -2.5e-300}}
                ]}
                """);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
        var result = query("acme", "types", "measurement=m&epoch=ns");
        assertThat(result.statusCode()).as(result.body()).isEqualTo(200);
        var body = result.body();
        assertThat(body).contains("\"field\":\"i\",\"type\":\"integer\",\"points\":[[1700000000000000001,9223372036854775807],[1700000000123456789,-9223372036854775808]]");
        assertThat(body).contains("\"field\":\"u\",\"type\":\"unsigned\",\"points\":[[1700000000000000001,0],[1700000000123456789,18446744073709551615]]");
        assertThat(body).contains("\"field\":\"f\",\"type\":\"float\",\"points\":[[1700000000000000001,5.0],[1700000000123456789,0.1]]");
        assertThat(body).contains("[1700000000123456789,1.7976931348623157E308]").contains("-2.5E-300");
        assertThat(body).contains("\"type\":\"boolean\",\"points\":[[1700000000000000001,false],[1700000000123456789,true]]");
        assertThat(body).contains("[1700000000123456789,\"hé \\\"q\\\"\"]");
        assertThat(query("acme", "types", "measurement=m&field=f").body())
                .contains("[\"2023-11-14T22:13:20.000000001Z\",5.0]", "[\"2023-11-14T22:13:20.123456789Z\",0.1]");
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/details/points").asLong()).isEqualTo(12);
            assertThat(event.at("/details/series").asLong()).isEqualTo(6);
        });
    }

    @Test
    void a_tag_value_whose_escaped_text_is_longer_than_an_index_entry_may_be_still_writes_and_reads_back() throws Exception {
        dataset("acme", "{\"id\": \"escapes\"}");
        // 1,800 varied characters (so compression cannot shrink them), a fifth of them quotes,
        // backslashes or control characters: about 1.8 KB as jsonb but about 3 KB as escaped
        // text, more than a btree entry may hold (about 2.7 KB).
        var alphabet = "abcdefghijklmnopqrstuvwxyz\"\\\u0001\u0002\u0003\u0004";
        var value = new StringBuilder();
        long state = 42;
        for (int i = 0; i < 1_800; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            value.append(alphabet.charAt((int) ((state >>> 33) % alphabet.length())));
        }
        var tag = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(value.toString());
        var body = "{\"points\": [{\"measurement\": \"m\", \"tags\": {\"q\": " + tag + "}, \"fields\": {\"v\": 1}, \"time\": 1}]}";

        var first = write("acme", "escapes", body);
        var again = write("acme", "escapes", body.replace("\"v\": 1", "\"v\": 2"));

        assertThat(first.statusCode()).as(first.body()).isEqualTo(204);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(204);
        var series = query("acme", "escapes", "epoch=ns").json().get("series");
        assertThat(series).hasSize(1);
        assertThat(series.get(0).at("/tags/q").asText()).isEqualTo(value.toString());
        assertThat(series.get(0).get("points").toString()).isEqualTo("[[1,2]]");
    }

    @Test
    void json_point_times_have_line_protocols_range_so_that_a_query_can_name_each_of_them() {
        dataset("acme", "{\"id\": \"extremes\"}");
        var latest = write("acme", "extremes", """
                {"points": [{"measurement": "m", "fields": {"v": 1}, "time": 9223372036854775806},
                            {"measurement": "m", "fields": {"v": 2}, "time": "1677-09-21T00:12:43.145224194Z"}]}
                """);
        var beyond = write("acme", "extremes", """
                {"points": [{"measurement": "m", "fields": {"v": 3}, "time": 9223372036854775807},
                            {"measurement": "m", "fields": {"v": 4}, "time": "1677-09-21T00:12:43.145224193Z"}]}
                """);

        assertThat(latest.statusCode()).as(latest.body()).isEqualTo(204);
        assertThat(beyond.statusCode()).isEqualTo(400);
        assertThat(beyond.json().get("errors").findValuesAsText("pointer")).containsExactly("/points/0/time", "/points/1/time");
        assertThat(query("acme", "extremes", "epoch=ns").json().at("/series/0/points").toString())
                .isEqualTo("[[-9223372036854775806,2],[9223372036854775806,1]]");
    }

    @Test
    void text_postgresql_cannot_store_is_400_with_a_pointer_not_a_500() {
        dataset("acme", "{\"id\": \"unstorable\"}");

        var response = write("acme", "unstorable", """
                {"points": [
                  {"measurement": "m", "tags": {"k\\u0000": "v"}, "fields": {"v": 1}, "time": 1},
                  {"measurement": "m\\u0000", "fields": {"v": 1}, "time": 1},
                  {"measurement": "m", "tags": {"k": "\\u0000"}, "fields": {"v": 1}, "time": 1},
                  {"measurement": "m", "fields": {"v\\u0000": 1}, "time": 1},
                  {"measurement": "m", "fields": {"s": "a\\u0000b"}, "time": 1},
                  {"measurement": "m", "fields": {"s": {"type": "string", "value": "\\ud800"}}, "time": 1}
                ]}
                """);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.json().get("errors").findValuesAsText("pointer")).containsExactly(
                "/points/0/tags/k\\u0000", "/points/1/measurement", "/points/2/tags/k", "/points/3/fields/v\\u0000",
                "/points/4/fields/s", "/points/5/fields/s/value");
        assertThat(count("acme", "unstorable")).isZero();
        assertThat(audit.eventsFor(response.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/status").asInt()).isEqualTo(400));
    }

    @Test
    void a_nul_in_a_query_filter_is_400_naming_the_parameter_not_a_500() {
        dataset("acme", "{\"id\": \"nul-filters\"}");

        for (var parameter : List.of("measurement=m%00", "field=f%00", "tag.k=v%00", "tag.k%00=v")) {
            var query = query("acme", "nul-filters", parameter);
            var series = server.api().get("/storage/v1/datasets/nul-filters/series?" + parameter, as("acme", "reader"));

            for (var response : List.of(query, series)) {
                assertThat(response.statusCode()).as(parameter + ": " + response.body()).isEqualTo(400);
                assertThat(response.json().get("detail").asText()).as(parameter).contains("must not contain NUL");
                assertThat(audit.eventsFor(response.requestId())).hasSize(1);
            }
        }
    }

    @Test
    void writing_the_same_series_field_and_time_again_replaces_the_value() {
        dataset("acme", "{\"id\": \"replace\"}");
        write("acme", "replace", "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 1}, \"time\": 10}]}");

        var again = write("acme", "replace", """
                {"points": [{"measurement": "m", "fields": {"v": 2}, "time": 10}, {"measurement": "m", "fields": {"v": 3}, "time": 10}]}
                """);

        assertThat(again.statusCode()).isEqualTo(204);
        assertThat(query("acme", "replace", "epoch=ns").json().at("/series/0/points").toString()).isEqualTo("[[10,3]]");
    }

    @Test
    void a_batch_replacing_one_stored_point_among_new_ones_stores_the_new_ones_and_replaces_that_one() {
        // 100 values of v: appended with a plain INSERT, which meets the stored point and gives way
        // to the upsert; the one value of f goes straight to the upsert.
        dataset("acme", "{\"id\": \"mixed\"}");
        write("acme", "mixed", "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 1}, \"time\": 20}]}");
        var points = new StringJoiner(", ", "{\"points\": [", "]}");
        for (int t = 0; t < 100; t++) {
            var fields = t == 20 ? "{\"v\": 1020, \"f\": 1.5}" : "{\"v\": " + (1000 + t) + "}";
            points.add("{\"measurement\": \"m\", \"fields\": " + fields + ", \"time\": " + t + "}");
        }

        var again = write("acme", "mixed", points.toString());

        assertThat(again.statusCode()).as(again.body()).isEqualTo(204);
        var v = query("acme", "mixed", "epoch=ns&field=v").json().at("/series/0/points");
        assertThat(v.size()).isEqualTo(100);
        assertThat(v.get(20).toString()).isEqualTo("[20,1020]");
        assertThat(v.get(99).toString()).isEqualTo("[99,1099]");
        assertThat(query("acme", "mixed", "epoch=ns&field=f").json().at("/series/0/points").toString()).isEqualTo("[[20,1.5]]");
        assertThat(count("acme", "mixed")).isEqualTo(101);
        assertThat(audit.eventsFor(again.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/details/points").asInt()).isEqualTo(101));
    }

    @Test
    void a_field_type_differing_from_the_stored_one_is_422_and_the_batch_writes_nothing() {
        dataset("acme", "{\"id\": \"conflict\"}");
        write("acme", "conflict", "{\"points\": [{\"measurement\": \"m\", \"tags\": {\"h\": \"1\"}, \"fields\": {\"v\": 1}, \"time\": 1}]}");

        var response = write("acme", "conflict", """
                {"points": [{"measurement": "m", "fields": {"ok": true}, "time": 2},
                            {"measurement": "m", "tags": {"h": "2"}, "fields": {"v": 1.5}, "time": 3}]}
                """);
        var inBatch = write("acme", "conflict", """
                {"points": [{"measurement": "n", "fields": {"x": 1}, "time": 2}, {"measurement": "n", "fields": {"x": "s"}, "time": 3}]}
                """);

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(response.json().get("code").asText()).isEqualTo("field_type_conflict");
        assertThat(response.json().at("/errors/0/pointer").asText()).isEqualTo("/points/1/fields/v");
        assertThat(inBatch.statusCode()).isEqualTo(422);
        assertThat(inBatch.json().at("/errors/0/pointer").asText()).isEqualTo("/points/1/fields/x");
        assertThat(count("acme", "conflict")).isEqualTo(1);
        assertThat(audit.eventsFor(response.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/status").asInt()).isEqualTo(422));
    }

    @Test
    void bad_items_are_400_with_a_pointer_each_and_nothing_is_written() {
        dataset("acme", "{\"id\": \"bad-items\"}");

        var response = write("acme", "bad-items", """
                {"points": [
                  {"measurement": "m", "fields": {"v": 1}, "time": 1},
                  {"measurement": "", "fields": {"v": 1}},
                  {"measurement": "m", "fields": {}},
                  {"measurement": "m", "fields": {"v": null}},
                  {"measurement": "m", "fields": {"v": 99999999999999999999}},
                  {"measurement": "m", "fields": {"v": 1}, "time": "yesterday"},
                  {"measurement": "m", "tags": {"_field": "x"}, "fields": {"v": 1}},
                  {"measurement": "m", "fields": {"v": {"type": "unsigned", "value": -1}}}
                ]}
                """);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.json().get("code").asText()).isEqualTo("invalid_request");
        assertThat(response.json().get("errors").findValuesAsText("pointer")).containsExactly(
                "/points/1/measurement", "/points/2/fields", "/points/3/fields/v", "/points/4/fields/v",
                "/points/5/time", "/points/6/tags/_field", "/points/7/fields/v/value");
        assertThat(count("acme", "bad-items")).isZero();
        for (var malformed : List.of("{\"points\": 5}", "[1]", "{\"points\": [], \"x\": 1}")) {
            var refused = write("acme", "bad-items", malformed);
            assertThat(refused.statusCode()).as(malformed).isEqualTo(400);
        }
    }

    @Test
    void a_reader_cannot_write_a_writer_can_and_a_token_for_another_dataset_cannot() {
        dataset("acme", "{\"id\": \"guarded\"}");
        dataset("acme", "{\"id\": \"other\"}");
        var points = "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 1}, \"time\": 1}]}";
        var token = server.api().postJson("/admin/v1/tokens", """
                {"name": "other", "permissions": [{"action": "dataset:write", "datasets": ["other"]}]}
                """, as("acme", "tenant-admin")).json().get("token").asText();

        var byReader = server.api().postJson("/storage/v1/datasets/guarded/points", points, as("acme", "reader"));
        var byToken = server.api().postJson("/storage/v1/datasets/guarded/points", points, "Authorization", "Token " + token);
        var byWriter = write("acme", "guarded", points);

        assertThat(byReader.statusCode()).isEqualTo(403);
        assertThat(byReader.json().get("missing_role").asText()).isNotBlank();
        assertThat(byToken.statusCode()).isEqualTo(403);
        assertThat(byWriter.statusCode()).isEqualTo(204);
        assertThat(count("acme", "guarded")).isEqualTo(1);
        for (var response : List.of(byReader, byToken, byWriter)) {
            assertThat(audit.eventsFor(response.requestId())).hasSize(1);
        }
    }

    @Test
    void another_tenant_can_neither_see_nor_write_a_dataset_of_the_same_name() {
        dataset("acme", "{\"id\": \"isolated\"}");
        write("acme", "isolated", "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 1}, \"time\": 1}]}");

        var write = write("globex", "isolated", "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 2}, \"time\": 1}]}");
        var read = query("globex", "isolated", "");
        var series = server.api().get("/storage/v1/datasets/isolated/series", as("globex", "reader"));

        assertThat(write.statusCode()).isEqualTo(404);
        assertThat(read.statusCode()).isEqualTo(404);
        assertThat(series.statusCode()).isEqualTo(404);
        assertThat(count("globex", "isolated")).isZero();
        assertThat(query("acme", "isolated", "epoch=ns").json().at("/series/0/points").toString()).isEqualTo("[[1,1]]");
    }

    @Test
    void aggregates_bucket_by_step_for_each_function() {
        dataset("acme", "{\"id\": \"agg\"}");
        var items = new ArrayList<String>();
        for (int i = 0; i < 12; i++) {
            items.add("{\"measurement\": \"cpu\", \"tags\": {\"host\": \"h1\"}, \"fields\": {\"v\": %d, \"x\": %d.5}, \"time\": %d}"
                    .formatted(i, i, 1_704_067_200_000_000_000L + i * 10_000_000_000L));
        }
        assertThat(write("acme", "agg", "{\"points\": [" + String.join(",", items) + "]}").statusCode()).isEqualTo(204);
        var range = "measurement=cpu&field=v&tag.host=h1&start=2024-01-01T00:00:00Z&end=2024-01-01T00:02:00Z&step=1m";

        assertThat(points(query("acme", "agg", range + "&agg=avg"))).isEqualTo("[[\"2024-01-01T00:00:00Z\",2.5],[\"2024-01-01T00:01:00Z\",8.5]]");
        assertThat(points(query("acme", "agg", range + "&agg=sum"))).isEqualTo("[[\"2024-01-01T00:00:00Z\",15],[\"2024-01-01T00:01:00Z\",51]]");
        assertThat(points(query("acme", "agg", range + "&agg=min"))).contains(",0]", ",6]");
        assertThat(points(query("acme", "agg", range + "&agg=max"))).contains(",5]", ",11]");
        assertThat(points(query("acme", "agg", range + "&agg=count"))).contains(",6]", ",6]");
        assertThat(points(query("acme", "agg", range + "&agg=first&epoch=ns"))).isEqualTo("[[1704067200000000000,0],[1704067260000000000,6]]");
        assertThat(points(query("acme", "agg", range + "&agg=last"))).contains(",5]", ",11]");
        assertThat(points(query("acme", "agg", range + "&agg=median"))).contains(",2.5]", ",8.5]");
        assertThat(query("acme", "agg", range + "&agg=harmonic_mean").statusCode()).isEqualTo(400);
        assertThat(query("acme", "agg", "step=1ns&agg=avg&start=0&end=9000000000000").statusCode()).isEqualTo(400);
    }

    @Test
    void numeric_aggregates_skip_boolean_and_string_fields_while_count_first_and_last_include_them() {
        dataset("acme", "{\"id\": \"kinds\"}");
        var body = """
                {"points": [{"measurement": "m", "fields": {"v": 1.5, "on": true, "note": "a"}, "time": 1704067200000000000},
                            {"measurement": "m", "fields": {"v": 2.5, "on": false, "note": "b"}, "time": 1704067210000000000}]}
                """;
        assertThat(write("acme", "kinds", body).statusCode()).isEqualTo(204);
        var range = "measurement=m&start=2024-01-01T00:00:00Z&end=2024-01-01T00:01:00Z&step=1m";

        assertThat(byField(query("acme", "kinds", range + "&agg=sum"))).isEqualTo(Map.of("v", "4.0"));
        assertThat(byField(query("acme", "kinds", range + "&agg=avg"))).isEqualTo(Map.of("v", "2.0"));
        assertThat(byField(query("acme", "kinds", range + "&agg=count"))).isEqualTo(Map.of("v", "2", "on", "2", "note", "2"));
        assertThat(byField(query("acme", "kinds", range + "&agg=first"))).isEqualTo(Map.of("v", "1.5", "on", "true", "note", "a"));
        assertThat(byField(query("acme", "kinds", range + "&agg=last"))).isEqualTo(Map.of("v", "2.5", "on", "false", "note", "b"));
    }

    /** The one window's value of each series, by field. */
    private static Map<String, String> byField(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var values = new HashMap<String, String>();
        response.json().get("series").forEach(series -> {
            assertThat(series.get("points")).as(series.toString()).hasSize(1);
            values.put(series.get("field").asText(), series.at("/points/0/1").asText());
        });
        return values;
    }

    private static String points(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.json().at("/series/0/points").toString();
    }

    @Test
    void raw_queries_page_with_a_cursor_and_refuse_a_limit_beyond_the_maximum() {
        dataset("acme", "{\"id\": \"paged\"}");
        var items = new ArrayList<String>();
        for (int i = 0; i < 5; i++) {
            items.add("{\"measurement\": \"m\", \"tags\": {\"k\": \"%d\"}, \"fields\": {\"v\": %d}, \"time\": %d}".formatted(i % 2, i, i));
        }
        write("acme", "paged", "{\"points\": [" + String.join(",", items) + "]}");

        var seen = new ArrayList<String>();
        var page = query("acme", "paged", "limit=2&epoch=ns");
        int pages = 1;
        while (true) {
            page.json().get("series").forEach(series -> series.get("points").forEach(p -> seen.add(p.toString())));
            if (!page.json().has("next_cursor")) {
                break;
            }
            page = query("acme", "paged", "limit=2&epoch=ns&cursor=" + page.json().get("next_cursor").asText());
            pages++;
        }

        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyInAnyOrder("[0,0]", "[1,1]", "[2,2]", "[3,3]", "[4,4]");
        assertThat(query("acme", "paged", "limit=100001").statusCode()).isEqualTo(400);
        assertThat(query("acme", "paged", "start=later").statusCode()).isEqualTo(400);
        assertThat(query("acme", "paged", "bogus=1").statusCode()).isEqualTo(400);
    }

    @Test
    void series_lists_measurements_tag_sets_and_field_types() {
        dataset("acme", "{\"id\": \"listing\"}");
        write("acme", "listing", """
                {"points": [{"measurement": "cpu", "tags": {"host": "a"}, "fields": {"usage": 0.5, "cores": 4}, "time": 1},
                            {"measurement": "cpu", "tags": {"host": "b"}, "fields": {"usage": 0.7}, "time": 1}]}
                """);

        var all = server.api().get("/storage/v1/datasets/listing/series", as("acme", "reader"));
        var filtered = server.api().get("/storage/v1/datasets/listing/series?tag.host=b", as("acme", "reader"));

        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.json().get("items")).hasSize(2);
        assertThat(all.json().at("/items/0/fields").toString()).isEqualTo("{\"cores\": \"integer\", \"usage\": \"float\"}".replace(" ", ""))
                .as("fields with their types");
        assertThat(filtered.json().get("items")).singleElement()
                .satisfies(item -> assertThat(item.at("/tags/host").asText()).isEqualTo("b"));
        assertThat(audit.eventsFor(all.requestId())).hasSize(1);
    }

    @Test
    void points_beyond_retention_are_hidden_and_the_retention_job_deletes_them() {
        dataset("acme", "{\"id\": \"retained\", \"retention_days\": 1}");
        long now = System.currentTimeMillis() * 1_000_000L;
        long old = now - Duration.ofDays(3).toNanos();
        write("acme", "retained", "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 1}, \"time\": %d}, {\"measurement\": \"m\", \"fields\": {\"v\": 2}, \"time\": %d}]}"
                .formatted(old, now));

        assertThat(query("acme", "retained", "epoch=ns").json().at("/series/0/points").toString()).isEqualTo("[[%d,2]]".formatted(now));
        var database = server.timestore().database();
        var job = new PointsRetention(database.runtimeDataSource(), database.transactions(), PointsSettings.defaults(),
                InstantSource.system());
        long deleted = job.runOnce();
        job.close();

        assertThat(deleted).isGreaterThanOrEqualTo(1);
        assertThat(count("acme", "retained")).isEqualTo(1);
    }

    @Test
    void as_the_runtime_role_a_query_without_a_tenant_filter_sees_only_the_current_tenants_points() {
        dataset("acme", "{\"id\": \"rls\"}");
        dataset("globex", "{\"id\": \"rls\"}");
        write("acme", "rls", "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 1}, \"time\": 1}]}");
        write("globex", "rls", "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 2}, \"time\": 1}]}");
        var transactions = server.timestore().database().transactions();

        for (var table : List.of("points", "series", "measurement_fields", "datasets")) {
            var tenants = transactions.inTenant(new TenantId("acme"), connection -> {
                var seen = new java.util.HashSet<String>();
                try (var rows = connection.createStatement().executeQuery("SELECT tenant_id FROM " + table)) {
                    while (rows.next()) {
                        seen.add(rows.getString(1));
                    }
                }
                return seen;
            });
            assertThat(tenants).as(table).containsExactly("acme");
        }
        var none = transactions.withoutTenant(connection -> {
            try (var rows = connection.createStatement().executeQuery("SELECT count(*) FROM points")) {
                rows.next();
                return rows.getLong(1);
            }
        });
        assertThat(none).isZero();
    }

    @Test
    void an_insert_carrying_another_tenants_id_is_refused_by_the_policy() {
        var transactions = server.timestore().database().transactions();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> transactions.inTenant(new TenantId("acme"), connection ->
                        connection.createStatement().executeUpdate(
                                "INSERT INTO points (tenant_id, dataset_id, series_id, ts_ns, f) VALUES ('globex', 'rls', 1, 5, 1.0)")))
                .isInstanceOf(io.timestore.server.db.DatabaseFailure.class)
                .satisfies(e -> assertThat(((io.timestore.server.db.DatabaseFailure) e).sqlState()).isEqualTo("42501"));
    }
}
