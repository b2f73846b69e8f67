package io.timestore.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.exceptions.BadRequestException;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * InfluxDB v2's {@code POST /api/v2/delete} over real HTTP and through influxdb-client-java
 * 7.5.0's {@code DeleteApi}: the range and the predicate's equalities choose the points deleted,
 * in the caller's tenant only; anything but equalities joined by AND is refused; it is a write,
 * audited once.
 */
class InfluxDeleteTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final AtomicInteger datasets = new AtomicInteger();
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long SECOND = 1_000_000_000L;
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
    }



    /** cpu (hosts a and b, two fields) and mem (host a), one point per second at T0 .. T0+4s. */
    static void fill(String tenant, String dataset) {
        var lines = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            long t = T0 + i * SECOND;
            lines.append("cpu,host=a usage=%d,idle=%d %d\n".formatted(i, 10 + i, t));
            lines.append("cpu,host=b usage=%d %d\n".formatted(100 + i, t));
            lines.append("mem,host=a used=%d %d\n".formatted(200 + i, t));
        }
        var response = server.api().post("/api/v2/write?org=%s&bucket=%s".formatted(tenant, dataset), lines.toString(),
                server.as(tenant, "writer"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
    }

    /** What remains, as "measurement,host field" -> the seconds after T0 of its points, read through /query. */
    static TreeMap<String, List<Long>> remaining(String tenant, String dataset) {
        var result = new TreeMap<String, List<Long>>();
        for (var measurement : List.of("cpu", "mem")) {
            var q = URLEncoder.encode("SELECT * FROM \"%s\" GROUP BY \"host\"".formatted(measurement), StandardCharsets.UTF_8);
            var response = server.api().get("/query?db=%s&epoch=ns&q=%s".formatted(dataset, q), server.as(tenant, "reader"));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            for (var series : response.json().at("/results/0/series")) {
                var columns = new ArrayList<String>();
                series.get("columns").forEach(c -> columns.add(c.asText()));
                for (var row : series.get("values")) {
                    for (int c = 1; c < columns.size(); c++) {
                        if (!row.get(c).isNull() && !columns.get(c).equals("host")) {
                            result.computeIfAbsent(measurement + "," + series.at("/tags/host").asText() + " " + columns.get(c),
                                    k -> new ArrayList<>()).add((row.get(0).asLong() - T0) / SECOND);
                        }
                    }
                }
            }
        }
        return result;
    }

    static String at(int second) {
        return Instant.ofEpochSecond(0, T0 + second * SECOND).toString();
    }

    static ApiResponse delete(String tenant, String role, String dataset, String body) {
        return server.api().postJson("/api/v2/delete?org=%s&bucket=%s".formatted(tenant, dataset), body, server.as(tenant, role));
    }

    @Test
    void the_clients_delete_api_removes_the_range_of_the_matching_series_only_with_both_ends_included() {
        var dataset = server.dataset("acme", "del-" + datasets.incrementAndGet());
        fill("acme", dataset);
        var token = server.api().postJson("/admin/v1/tokens", """
                {"name": "deleter", "permissions": [{"action": "dataset:write", "datasets": ["%s"]}]}
                """.formatted(dataset), server.as("acme", "tenant-admin")).json().get("token").asText();

        try (var client = InfluxDBClientFactory.create(server.api().base().toString(), token.toCharArray(), "acme")) {
            client.getDeleteApi().delete(OffsetDateTime.ofInstant(Instant.parse(at(1)), ZoneOffset.UTC),
                    OffsetDateTime.ofInstant(Instant.parse(at(3)), ZoneOffset.UTC), "_measurement=\"cpu\" AND host=\"a\"", dataset, "acme");
        }

        var expected = new TreeMap<String, List<Long>>();
        expected.put("cpu,a idle", List.of(0L, 4L));
        expected.put("cpu,a usage", List.of(0L, 4L));
        expected.put("cpu,b usage", List.of(0L, 1L, 2L, 3L, 4L));
        expected.put("mem,a used", List.of(0L, 1L, 2L, 3L, 4L));
        assertThat(remaining("acme", dataset)).isEqualTo(expected);
    }

    @Test
    void an_empty_predicate_deletes_every_series_in_the_range_and_a_tag_alone_spans_measurements() {
        var dataset = server.dataset("acme", "del-" + datasets.incrementAndGet());
        fill("acme", dataset);

        var all = delete("acme", "writer", dataset, "{\"start\": \"%s\", \"stop\": \"%s\"}".formatted(at(0), at(0)));
        var hostA = delete("acme", "writer", dataset, "{\"start\": \"%s\", \"stop\": \"%s\", \"predicate\": \"host = 'a'\"}"
                .formatted(at(4), "2100-01-01T00:00:00Z"));

        assertThat(all.statusCode()).as(all.body()).isEqualTo(204);
        assertThat(hostA.statusCode()).as(hostA.body()).isEqualTo(204);
        var expected = new TreeMap<String, List<Long>>();
        expected.put("cpu,a idle", List.of(1L, 2L, 3L));
        expected.put("cpu,a usage", List.of(1L, 2L, 3L));
        expected.put("cpu,b usage", List.of(1L, 2L, 3L, 4L));
        expected.put("mem,a used", List.of(1L, 2L, 3L));
        assertThat(remaining("acme", dataset)).isEqualTo(expected);
    }

    @Test
    void another_tenants_points_in_a_dataset_of_the_same_name_are_untouched_and_its_org_is_not_found() {
        var dataset = "del-same-" + datasets.incrementAndGet();
        server.dataset("acme", dataset);
        server.dataset("globex", dataset);
        fill("acme", dataset);
        fill("globex", dataset);
        var before = remaining("globex", dataset);

        var deleted = delete("acme", "writer", dataset, "{\"start\": \"%s\", \"stop\": \"%s\"}".formatted(at(0), at(4)));
        var foreignOrg = server.api().postJson("/api/v2/delete?org=globex&bucket=" + dataset,
                "{\"start\": \"%s\", \"stop\": \"%s\"}".formatted(at(0), at(4)), server.as("acme", "writer"));

        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(remaining("acme", dataset)).isEmpty();
        assertThat(foreignOrg.statusCode()).isEqualTo(404);
        assertThat(remaining("globex", dataset)).isEqualTo(before).hasSize(4);
    }

    @Test
    void predicates_other_than_equalities_joined_by_and_are_refused_naming_what_and_where_and_nothing_is_deleted() {
        var dataset = server.dataset("acme", "del-" + datasets.incrementAndGet());
        fill("acme", dataset);
        var before = remaining("acme", dataset);
        String[][] cases = {
            {"host=\\\"a\\\" OR host=\\\"b\\\"", "OR is not supported, only equalities joined by AND at char 10"},
            {"host!=\\\"a\\\"", "only equality (=) is supported, found '!=' at char 5"},
            {"host=~/a/", "regular expressions are not supported, only equality (=) at char 5"},
            {"(host=\\\"a\\\")", "parentheses are not supported, only equalities joined by AND at char 1"},
            {"host=a", "expected a value in double or single quotes at char 6"},
            {"_field=\\\"usage\\\"", "deleting by _field is not supported"},
            {"_measurement=\\\"cpu\\\" AND", "expected a key (a tag or _measurement) at char 23"},
            {"host=\\\"a\\\" AND host=\\\"b\\\"", "tag host is named twice at char 14"},
            {"host=\\\"a", "unterminated string at char 6"},
        };
        for (var c : cases) {
            var response = delete("acme", "writer", dataset, "{\"start\": \"%s\", \"stop\": \"%s\", \"predicate\": \"%s\"}"
                    .formatted(at(0), at(4), c[0]));

            assertThat(response.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(response.json().get("detail").asText()).as(c[0]).startsWith("unsupported delete predicate: ").contains(c[1]);
            assertThat(response.json().at("/errors/0/pointer").asText()).isEqualTo("/predicate");
            assertThat(response.json().get("message").asText()).isEqualTo(response.json().get("detail").asText());
            assertThat(response.header("X-Influxdb-Error")).isEqualTo(response.json().get("detail").asText());
        }
        var badTimes = delete("acme", "writer", dataset, "{\"start\": \"1700000000\", \"stop\": \"%s\"}".formatted(at(4)));
        var reversed = delete("acme", "writer", dataset, "{\"start\": \"%s\", \"stop\": \"%s\"}".formatted(at(4), at(0)));
        var noStop = delete("acme", "writer", dataset, "{\"start\": \"%s\"}".formatted(at(0)));
        assertThat(badTimes.json().get("detail").asText()).contains("start must be an RFC 3339 time");
        assertThat(reversed.json().get("detail").asText()).isEqualTo("start must not be after stop");
        assertThat(noStop.json().at("/errors/0/pointer").asText()).isEqualTo("/stop");
        assertThat(remaining("acme", dataset)).isEqualTo(before);
    }

    @Test
    void the_client_shows_the_refusal_it_reads_from_the_body() {
        var dataset = server.dataset("acme", "del-" + datasets.incrementAndGet());
        var token = server.api().postJson("/admin/v1/tokens", """
                {"name": "deleter", "permissions": [{"action": "dataset:write", "datasets": ["%s"]}]}
                """.formatted(dataset), server.as("acme", "tenant-admin")).json().get("token").asText();
        try (var client = InfluxDBClientFactory.create(server.api().base().toString(), token.toCharArray(), "acme")) {
            var start = OffsetDateTime.ofInstant(Instant.parse(at(0)), ZoneOffset.UTC);
            assertThatThrownBy(() -> client.getDeleteApi().delete(start, start, "host=\"a\" OR host=\"b\"", dataset, "acme"))
                    .isInstanceOf(BadRequestException.class).hasMessageContaining("OR is not supported");
        }
    }

    @Test
    void a_reader_may_not_delete_and_a_delete_is_audited_once_without_tag_values() {
        var dataset = server.dataset("acme", "del-" + datasets.incrementAndGet());
        fill("acme", dataset);
        var before = remaining("acme", dataset);
        var body = "{\"start\": \"%s\", \"stop\": \"%s\", \"predicate\": \"_measurement=\\\"cpu\\\" AND host=\\\"secret-host\\\"\"}"
                .formatted(at(0), at(4));

        var denied = delete("acme", "reader", dataset, body);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.header("X-Influxdb-Error")).isNotBlank();
        assertThat(remaining("acme", dataset)).isEqualTo(before);
        var done = delete("acme", "writer", dataset, body);

        assertThat(done.statusCode()).isEqualTo(204);
        assertThat(audit.eventsFor(done.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/operation/action").asText()).isEqualTo("dataset:write");
            assertThat(event.at("/operation/dataset_id").asText()).isEqualTo(dataset);
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(204);
            assertThat(event.at("/details/predicate").asText()).isEqualTo("_measurement=? AND host=?");
            assertThat(event.at("/details/start").asText()).isEqualTo(at(0));
            assertThat(event.at("/details/deleted_points").asLong()).isZero();
            assertThat(event.toString()).doesNotContain("secret-host");
        });
        assertThat(audit.eventsFor(denied.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/result").asText()).isEqualTo("denied"));
    }
}
