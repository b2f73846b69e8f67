package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Api;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a query answers in (issue 15, item 13): compact JSON like every other body, CSV for raw
 * and aggregate queries on {@code Accept: text/csv}, and 406 problem+json, audited once, for an
 * {@code Accept} a route cannot serve.
 */
class QueryRepresentationsTest {
    private static final String CSV = "text/csv; charset=utf-8; header=present";

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void data() {
        server.tenant("acme");
        audit = new AuditLog(server);
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        assertThat(server.api().postJson("/storage/v1/datasets", "{\"id\": \"shapes\"}", admin).statusCode()).isEqualTo(201);
        // Tag keys differ between series; values need quoting or look like formulas.
        var written = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=shapes&precision=ns",
                        bearer(server.tokens().user("acme", "writer")))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        cpu,host=h1,region=eu\\,west usage=-0.5,big=18446744073709551615u,up=t,note="say \\"hi\\"" 1704067200000000000
                        cpu,host=h1,region=eu\\,west usage=1.25 1704067260000000000
                        cpu,host=h2 usage=2,note="=1+1" 1704067200000000001
                        """)).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    private static ApiResponse get(String path, String... accept) {
        var headers = new ArrayList<>(List.of(bearer(server.tokens().user("acme", "reader"))));
        for (var value : accept) {
            headers.add("Accept");
            headers.add(value);
        }
        return server.api().get(path, headers.toArray(String[]::new));
    }

    private static ApiResponse query(String parameters, String... accept) {
        return get("/storage/v1/datasets/shapes/query?" + parameters, accept);
    }

    @Test
    void tags_and_fields_are_compact_json_like_every_other_body() {
        var raw = query("measurement=cpu&field=usage&tag.host=h1");
        var aggregate = query("measurement=cpu&field=usage&tag.host=h1&start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z&step=1h&agg=count");
        var series = get("/storage/v1/datasets/shapes/series?tag.host=h1");

        assertThat(raw.body()).contains("\"tags\":{\"host\":\"h1\",\"region\":\"eu,west\"},\"field\":\"usage\"");
        assertThat(aggregate.body()).contains("\"tags\":{\"host\":\"h1\",\"region\":\"eu,west\"},\"field\":\"usage\"");
        assertThat(series.body()).contains("\"tags\":{\"host\":\"h1\",\"region\":\"eu,west\"},\"fields\":{")
                .contains("\"usage\":\"float\"");
        for (var response : List.of(raw, aggregate, series)) {
            assertThat(response.contentType()).isEqualTo("application/json");
            assertThat(response.body()).doesNotContain("\": ", ", \"");
        }
    }

    @Test
    void accept_text_csv_answers_raw_points_one_record_each_with_a_column_per_tag_key() {
        var response = query("measurement=cpu", "text/csv");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo(CSV);
        assertThat(response.body()).isEqualTo(String.join("\r\n",
                "measurement,tag.host,tag.region,field,type,time,value",
                "cpu,h1,\"eu,west\",usage,float,2024-01-01T00:00:00Z,-0.5",
                "cpu,h1,\"eu,west\",usage,float,2024-01-01T00:01:00Z,1.25",
                "cpu,h1,\"eu,west\",big,unsigned,2024-01-01T00:00:00Z,18446744073709551615",
                "cpu,h1,\"eu,west\",up,boolean,2024-01-01T00:00:00Z,true",
                "cpu,h1,\"eu,west\",note,string,2024-01-01T00:00:00Z,\"say \"\"hi\"\"\"",
                "cpu,h2,,usage,float,2024-01-01T00:00:00.000000001Z,2.0",
                "cpu,h2,,note,string,2024-01-01T00:00:00.000000001Z,'=1+1",
                ""));
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(200);
            assertThat(event.at("/details/format").asText()).isEqualTo("csv");
            assertThat(event.at("/details/points").asInt()).isEqualTo(7);
        });
    }

    @Test
    void aggregates_come_as_csv_too_with_times_as_int64_on_request() {
        var response = query("measurement=cpu&field=usage&start=2024-01-01T00:00:00Z&end=2024-01-01T00:02:00Z&step=1m&agg=avg&epoch=ns",
                "text/csv");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo(CSV);
        assertThat(response.body()).isEqualTo(String.join("\r\n",
                "measurement,tag.host,tag.region,field,type,time,value",
                "cpu,h1,\"eu,west\",usage,float,1704067200000000000,-0.5",
                "cpu,h1,\"eu,west\",usage,float,1704067260000000000,1.25",
                "cpu,h2,,usage,float,1704067200000000000,2.0",
                ""));
    }

    @Test
    void an_empty_csv_result_is_its_header_alone() {
        var response = query("measurement=none", "text/csv");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("measurement,field,type,time,value\r\n");
    }

    @Test
    void a_csv_page_links_to_the_next_one_until_the_last() {
        var lines = new ArrayList<String>();
        var page = query("measurement=cpu&tag.host=h1&limit=2", "text/csv");
        int pages = 1;
        while (true) {
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            var records = page.body().split("\r\n");
            assertThat(records[0]).isEqualTo("measurement,tag.host,tag.region,field,type,time,value");
            lines.addAll(List.of(records).subList(1, records.length));
            var link = page.header("Link");
            if (link == null) {
                break;
            }
            var matcher = Pattern.compile("<(/storage/v1/datasets/shapes/query\\?[^>]+)>; rel=\"next\"").matcher(link);
            assertThat(matcher.matches()).as(link).isTrue();
            page = get(matcher.group(1), "text/csv");
            pages++;
        }

        assertThat(pages).isEqualTo(3);
        assertThat(lines).hasSize(5).allMatch(line -> line.startsWith("cpu,h1,\"eu,west\","));
        var json = query("measurement=cpu&tag.host=h1&limit=2");
        assertThat(json.header("Link")).as("a JSON page links to the next too")
                .endsWith("cursor=" + json.json().get("next_cursor").asText() + ">; rel=\"next\"");
    }

    @Test
    void q_values_and_wildcards_choose_between_json_and_csv() {
        var cases = Map.of(
                "text/csv;q=0.5, application/json", "application/json",
                "application/json;q=0.1, text/*", CSV,
                "*/*", "application/json",
                "application/json;q=0, */*", CSV,
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json",
                "TEXT/CSV; charset=utf-8", CSV,
                "text/csv, application/json", CSV);
        cases.forEach((accept, expected) -> {
            var response = query("measurement=cpu&field=usage", accept);
            assertThat(response.statusCode()).as(accept).isEqualTo(200);
            assertThat(response.contentType()).as(accept).isEqualTo(expected);
        });
        assertThat(query("measurement=cpu&field=usage").contentType()).as("no Accept").isEqualTo("application/json");
        assertThat(query("measurement=cpu&field=usage", "application/xml", "text/csv").contentType())
                .as("two Accept lines").isEqualTo(CSV);
    }

    @Test
    void an_accept_the_query_cannot_serve_is_406_problem_json_audited_once() {
        for (var accept : List.of("application/xml", "text/csv;q=0", "application/json;q=0, text/csv;q=0, */*;q=0", "nonsense")) {
            var response = query("measurement=cpu", accept);

            assertThat(response.statusCode()).as(accept).isEqualTo(406);
            assertThat(response.contentType()).isEqualTo("application/problem+json");
            assertThat(response.json().get("code").asText()).isEqualTo("not_acceptable");
            assertThat(response.json().get("detail").asText()).contains("application/json, text/csv");
            assertThat(audit.eventsFor(response.requestId())).as(accept).singleElement().satisfies(event -> {
                assertThat(event.at("/outcome/result").asText()).isEqualTo("failed");
                assertThat(event.at("/outcome/status").asInt()).isEqualTo(406);
                assertThat(event.at("/outcome/error/code").asText()).isEqualTo("not_acceptable");
            });
        }
    }

    @Test
    void every_json_only_read_answers_406_for_csv_while_writes_do_not_look_at_accept() {
        var series = get("/storage/v1/datasets/shapes/series", "text/csv");
        var datasets = get("/storage/v1/datasets", "text/csv");
        var tokens = get("/admin/v1/tokens", "text/csv");
        var unauthenticated = server.api().get("/storage/v1/datasets", "Accept", "text/csv");
        var write = server.api().postJson("/storage/v1/datasets/shapes/points",
                "{\"points\": [{\"measurement\": \"w\", \"fields\": {\"v\": 1}, \"time\": 1}]}",
                Api.headers(bearer(server.tokens().user("acme", "writer")), new String[] {"Accept", "text/csv"}));

        for (var response : List.of(series, datasets, tokens)) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(406);
            assertThat(response.json().get("code").asText()).isEqualTo("not_acceptable");
            assertThat(audit.eventsFor(response.requestId())).hasSize(1);
        }
        assertThat(unauthenticated.statusCode()).as("authentication comes first").isEqualTo(401);
        assertThat(write.statusCode()).as(write.body()).isEqualTo(204);
    }
}
