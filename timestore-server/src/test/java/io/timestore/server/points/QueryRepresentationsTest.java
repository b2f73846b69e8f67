package io.timestore.server.points;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Api;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a query answers in (issue 15, item 13): compact JSON like every other body, and 406
 * problem+json, audited once, for an {@code Accept} a route cannot serve.
 */
class QueryRepresentationsTest {
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
