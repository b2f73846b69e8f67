package io.timestore.server.ingest;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.exceptions.InfluxException;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /api/v2/write} over real HTTP: InfluxDB compatibility, limits, errors and isolation. */
class LineProtocolRoutesTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final AtomicInteger datasets = new AtomicInteger();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
    }

    static String[] as(String tenant, String role) {
        return bearer(server.tokens().user(tenant, role));
    }

    static String newDataset(String tenant) {
        var id = "lp-" + datasets.incrementAndGet();
        var response = server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(id), as(tenant, "tenant-admin"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return id;
    }

    static ApiResponse write(String query, byte[] body, String... headers) {
        var request = server.api().request("/api/v2/write?" + query, headers)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return server.api().send(request);
    }

    static ApiResponse write(String tenant, String dataset, String lines) {
        return write("org=%s&bucket=%s".formatted(tenant, dataset), lines.getBytes(StandardCharsets.UTF_8), as(tenant, "writer"));
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

    static JsonNode query(String tenant, String dataset, String parameters) {
        var response = server.api().get("/storage/v1/datasets/%s/query?epoch=ns&%s".formatted(dataset, parameters), as(tenant, "reader"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    static byte[] gzip(byte[] data) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void line_protocol_is_written_with_its_types_and_answered_204_with_one_audit_event() {
        var dataset = newDataset("acme");

        var response = write("acme", dataset, """
                cpu,host=a,region=eu\\ west usage=0.5,cores=4i,big=18446744073709551615u,up=t,name="x\\"y" 1700000000000000001
                # a comment
                cpu,host=a,region=eu\\ west usage=0.75 1700000000000000002
                """);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
        var result = query("acme", dataset, "measurement=cpu&tag.region=eu%20west").toString();
        assertThat(result).contains("\"field\":\"usage\",\"type\":\"float\",\"points\":[[1700000000000000001,0.5],[1700000000000000002,0.75]]");
        assertThat(result).contains("[1700000000000000001,18446744073709551615]", "[1700000000000000001,4]", "[1700000000000000001,true]",
                "[1700000000000000001,\"x\\\"y\"]");
        assertThat(audit.eventsFor(response.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/details/points").asLong()).isEqualTo(6));
    }

    @Test
    void a_body_is_read_whole_with_a_content_length_without_one_and_after_an_idempotency_key_read_it_first() {
        var dataset = newDataset("acme");
        var query = "org=acme&bucket=" + dataset;
        byte[] sized = "m,how=sized v=1.25 1\nm,how=sized v=2.25 2\n".getBytes(StandardCharsets.UTF_8);
        byte[] chunked = "m,how=chunked v=1.5 1\nm,how=chunked v=2.5 2\nm,how=chunked v=3.5 3\n".getBytes(StandardCharsets.UTF_8);
        byte[] keyed = "m,how=keyed v=1.75 1\n".getBytes(StandardCharsets.UTF_8);
        var keyHeaders = headers(as("acme", "writer"), "Idempotency-Key", "lp-body-" + dataset);

        var responses = new java.util.ArrayList<ApiResponse>();
        responses.add(write(query, sized, as("acme", "writer")));
        responses.add(server.api().send(server.api().request("/api/v2/write?" + query, as("acme", "writer"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(chunked))).build()));
        responses.add(write(query, keyed, keyHeaders));
        var replay = write(query, keyed, keyHeaders);

        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(204));
        assertThat(replay.statusCode()).isEqualTo(204);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        var result = query("acme", dataset, "measurement=m").toString();
        assertThat(result).contains("[[1,1.25],[2,2.25]]", "[[1,1.5],[2,2.5],[3,3.5]]", "[[1,1.75]]");
        assertThat(count("acme", dataset)).isEqualTo(6);
    }

    @Test
    void precision_scales_timestamps_and_a_missing_timestamp_gets_the_server_time() {
        var dataset = newDataset("acme");
        long before = System.currentTimeMillis() * 1_000_000L;

        var seconds = write("org=acme&bucket=%s&precision=s".formatted(dataset), "m v=1 1700000000".getBytes(), as("acme", "writer"));
        var now = write("acme", dataset, "n v=1");

        assertThat(seconds.statusCode()).isEqualTo(204);
        assertThat(now.statusCode()).isEqualTo(204);
        assertThat(query("acme", dataset, "measurement=m").at("/series/0/points/0/0").asLong()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(query("acme", dataset, "measurement=n").at("/series/0/points/0/0").asLong()).isBetween(before, before + 60_000_000_000L);
        assertThat(write("org=acme&bucket=%s&precision=h".formatted(dataset), "m v=1".getBytes(), as("acme", "writer")).statusCode())
                .isEqualTo(400);
    }

    @Test
    void bad_lines_are_400_naming_their_line_numbers_and_nothing_is_written() {
        var dataset = newDataset("acme");

        var response = write("acme", dataset, "good v=1 1\nbad line\ngood v=2 2\nworse v= 3\n");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.json().get("code").asText()).isEqualTo("invalid_request");
        assertThat(response.json().get("errors").findValuesAsText("line")).containsExactly("2", "4");
        assertThat(response.header("X-Influx-Error")).isNotBlank();
        assertThat(count("acme", dataset)).isZero();
    }

    @Test
    void a_type_conflict_is_422_and_writes_nothing() {
        var dataset = newDataset("acme");
        assertThat(write("acme", dataset, "m v=1i 1").statusCode()).isEqualTo(204);

        var stored = write("acme", dataset, "m ok=true 2\nm v=1.5 3");
        var inBody = write("acme", dataset, "n x=1 1\nn x=\"s\" 2");

        assertThat(stored.statusCode()).isEqualTo(422);
        assertThat(stored.json().get("code").asText()).isEqualTo("field_type_conflict");
        assertThat(stored.json().at("/errors/0/line").asInt()).isEqualTo(2);
        assertThat(inBody.statusCode()).isEqualTo(422);
        assertThat(count("acme", dataset)).isEqualTo(1);
    }

    @Test
    void gzip_bodies_are_inflated_and_a_gzip_bomb_is_413_without_being_inflated() throws IOException {
        var dataset = newDataset("acme");
        var lines = "m v=1 1\nm v=2 2\n".getBytes(StandardCharsets.UTF_8);

        var gzipped = write("org=acme&bucket=" + dataset, gzip(lines), headers(as("acme", "writer"), "Content-Encoding", "gzip"));
        var bomb = write("org=acme&bucket=" + dataset, gzip(new byte[80 << 20]), headers(as("acme", "writer"), "Content-Encoding", "gzip"));
        var notGzip = write("org=acme&bucket=" + dataset, lines, headers(as("acme", "writer"), "Content-Encoding", "gzip"));

        assertThat(gzipped.statusCode()).as(gzipped.body()).isEqualTo(204);
        assertThat(bomb.statusCode()).isEqualTo(413);
        assertThat(bomb.json().get("code").asText()).isEqualTo("payload_too_large");
        assertThat(notGzip.statusCode()).isEqualTo(400);
        assertThat(count("acme", dataset)).isEqualTo(2);
    }

    private static String[] headers(String[] base, String name, String value) {
        var all = java.util.Arrays.copyOf(base, base.length + 2);
        all[base.length] = name;
        all[base.length + 1] = value;
        return all;
    }

    @Test
    void an_org_other_than_the_callers_tenant_or_a_missing_bucket_is_404_and_writes_nothing() {
        var acmeDataset = newDataset("acme");

        var foreignOrg = write("org=acme&bucket=" + acmeDataset, "m v=1 1".getBytes(), as("globex", "writer"));
        var missingBucket = write("acme", "no-such-bucket", "m v=1 1");
        var noOrg = write("bucket=" + acmeDataset, "m v=1 1".getBytes(), as("acme", "writer"));

        assertThat(foreignOrg.statusCode()).isEqualTo(404);
        assertThat(missingBucket.statusCode()).isEqualTo(404);
        assertThat(noOrg.statusCode()).isEqualTo(400);
        assertThat(count("acme", acmeDataset)).isZero();
        assertThat(audit.eventsFor(foreignOrg.requestId())).hasSize(1);
    }

    @Test
    void a_reader_cannot_write_and_a_token_for_another_dataset_cannot_either() {
        var dataset = newDataset("acme");
        var elsewhere = newDataset("acme");
        var token = server.api().postJson("/admin/v1/tokens", """
                {"name": "elsewhere", "permissions": [{"action": "dataset:write", "datasets": ["%s"]}]}
                """.formatted(elsewhere), as("acme", "tenant-admin")).json().get("token").asText();

        var byReader = write("org=acme&bucket=" + dataset, "m v=1 1".getBytes(), as("acme", "reader"));
        var byToken = write("org=acme&bucket=" + dataset, "m v=1 1".getBytes(), "Authorization", "Token " + token);

        assertThat(byReader.statusCode()).isEqualTo(403);
        assertThat(byReader.json().get("missing_role").asText()).isNotBlank();
        assertThat(byToken.statusCode()).isEqualTo(403);
        assertThat(count("acme", dataset)).isZero();
    }

    @Test
    void the_official_influxdb_client_writes_points_that_read_back_exactly() {
        var dataset = newDataset("acme");
        var token = server.api().postJson("/admin/v1/tokens", """
                {"name": "influx-client", "permissions": [{"action": "dataset:write", "datasets": ["%s"]}]}
                """.formatted(dataset), as("acme", "tenant-admin")).json().get("token").asText();

        try (var client = InfluxDBClientFactory.create(server.api().base().toString(), token.toCharArray(), "acme", dataset)) {
            var writes = client.getWriteApiBlocking();
            writes.writeRecord(WritePrecision.NS, "weather,station=s1 temp=21.5,count=7i,total=18446744073709551615u 1700000000123456789");
            writes.writePoint(com.influxdb.client.write.Point.measurement("weather").addTag("station", "s2")
                    .addField("temp", -3.25).time(1_700_000_000_000_000_001L, WritePrecision.NS));
            assertThatThrownBy(() -> writes.writeRecord(WritePrecision.NS, "weather temp="))
                    .isInstanceOf(InfluxException.class)
                    .satisfies(e -> {
                        assertThat(((InfluxException) e).status()).isEqualTo(400);
                        assertThat(e.getMessage()).contains("line protocol");
                    });
        }

        var result = query("acme", dataset, "measurement=weather").toString();
        assertThat(result).contains("\"station\":\"s1\"}", "[1700000000123456789,21.5]", "[1700000000123456789,7]",
                "[1700000000123456789,18446744073709551615]", "[1700000000000000001,-3.25]");
    }

    @Test
    void a_point_with_1000_tags_is_written_and_reads_back_with_all_of_them() {
        var dataset = newDataset("acme");
        var line = new StringBuilder("m");
        for (int i = 1; i <= 1_000; i++) {
            line.append(",t").append(i).append("=x");
        }
        line.append(" v=1 1700000000000000000");

        var response = write("acme", dataset, line.toString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
        var series = query("acme", dataset, "tag.t1000=x&tag.t1=x").get("series");
        assertThat(series).singleElement().satisfies(s -> {
            assertThat(s.get("tags").size()).isEqualTo(1_000);
            assertThat(s.get("points").toString()).isEqualTo("[[1700000000000000000,1.0]]");
        });
        assertThat(write("acme", dataset, line.toString().replace("v=1 ", "v=2 ")).statusCode()).isEqualTo(204);
        assertThat(query("acme", dataset, "tag.t500=x").at("/series/0/points").toString()).isEqualTo("[[1700000000000000000,2.0]]");
        assertThat(audit.eventsFor(response.requestId())).hasSize(1);
    }

    @Test
    void names_too_long_for_an_index_entry_even_compressed_are_written_found_again_and_typed() {
        // Random letters do not compress: each name alone is beyond a btree entry (2,704 bytes),
        // and together they stay within line protocol's 65,535-byte series key.
        var dataset = newDataset("acme");
        var random = new java.util.Random(7);
        java.util.function.IntFunction<String> name = length -> random.ints(length, 'a', 'z' + 1)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        String measurement = name.apply(20_000);
        String tagKey = name.apply(8_000);
        String tagValue = name.apply(8_000);
        String field = name.apply(20_000);
        var series = measurement + "," + tagKey + "=" + tagValue + " " + field;

        var first = write("acme", dataset, series + "=1i 1");
        var again = write("acme", dataset, series + "=2i 2");
        var otherType = write("acme", dataset, series + "=2.5 3");

        assertThat(first.statusCode()).as(first.body()).isEqualTo(204);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(204);
        assertThat(otherType.statusCode()).as(otherType.body()).isEqualTo(422);
        assertThat(otherType.json().get("code").asText()).isEqualTo("field_type_conflict");
        // (Names this long do not fit in a query URL as filters: request line and headers are limited to 16 KiB, 414 beyond.)
        var found = query("acme", dataset, "limit=10").get("series");
        assertThat(found).singleElement().satisfies(s -> {
            assertThat(s.get("measurement").asText()).isEqualTo(measurement);
            assertThat(s.at("/tags").properties()).singleElement()
                    .satisfies(tag -> assertThat(tag.getKey() + "=" + tag.getValue().asText()).isEqualTo(tagKey + "=" + tagValue));
            assertThat(s.get("points").toString()).isEqualTo("[[1,1],[2,2]]");
        });
    }

    @Test
    void the_earliest_and_latest_times_a_point_can_have_are_read_back_with_rfc3339_and_int64_bounds() {
        var dataset = newDataset("acme");
        assertThat(write("acme", dataset, "cpu value=1 -9223372036854775806\ncpu value=2 9223372036854775806").statusCode())
                .isEqualTo(204);

        assertThat(points(dataset, "start=1677-09-21T00:12:43.145224194Z&end=1677-09-21T00:12:43.145224195Z"))
                .isEqualTo("[[-9223372036854775806,1.0]]");
        assertThat(points(dataset, "start=-9223372036854775806&end=-9223372036854775805")).isEqualTo("[[-9223372036854775806,1.0]]");
        // end is exclusive: the latest point is read with the next instant as end, or with no end.
        assertThat(points(dataset, "start=2262-04-11T23:47:16.854775806Z&end=2262-04-11T23:47:16.854775807Z"))
                .isEqualTo("[[9223372036854775806,2.0]]");
        assertThat(points(dataset, "start=9223372036854775806&end=9223372036854775807")).isEqualTo("[[9223372036854775806,2.0]]");
        assertThat(points(dataset, "start=2262-04-11T23:47:16.854775806Z")).isEqualTo("[[9223372036854775806,2.0]]");
        // Bounds beyond the int64 range hold the same points as the range's own ends.
        assertThat(points(dataset, "start=0001-01-01T00:00:00Z&end=9999-12-31T23:59:59Z"))
                .isEqualTo("[[-9223372036854775806,1.0],[9223372036854775806,2.0]]");
        assertThat(server.api().get("/storage/v1/datasets/%s/query?start=-9223372036854775809".formatted(dataset), as("acme", "reader"))
                .statusCode()).isEqualTo(400);
    }

    @Test
    void aggregates_over_the_earliest_and_latest_times_and_with_the_largest_steps_answer_200() {
        var dataset = newDataset("acme");
        assertThat(write("acme", dataset, "cpu value=1 -9223372036854775806\ncpu value=2 9223372036854775806\ncpu value=4 1700000000000000000")
                .statusCode()).isEqualTo(204);
        var everything = "start=-9223372036854775806&end=9223372036854775807&agg=sum";

        // 1000 weeks does not divide 2^63: the earliest point's window would start before the
        // earliest int64, and is labelled with it.
        assertThat(points(dataset, everything + "&step=1000w"))
                .isEqualTo("[[-9223372036854775808,1.0],[1209600000000000000,4.0],[9072000000000000000,2.0]]");
        // A step above half the int64 range (about 7,625 weeks): remainder plus step would overflow.
        assertThat(points(dataset, everything + "&step=15000w"))
                .isEqualTo("[[-9223372036854775808,1.0],[0,4.0],[9072000000000000000,2.0]]");
        assertThat(points(dataset, "start=-9223372036854775806&end=-9223372036854775796&step=1ns&agg=count"))
                .isEqualTo("[[-9223372036854775806,1]]");
    }

    private static String points(String dataset, String parameters) {
        var response = server.api().get("/storage/v1/datasets/%s/query?epoch=ns&%s".formatted(dataset, parameters), as("acme", "reader"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.json().at("/series/0/points").toString();
    }
}
