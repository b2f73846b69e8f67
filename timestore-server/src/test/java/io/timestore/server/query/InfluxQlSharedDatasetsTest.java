package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Datasets shared with the caller's tenant (BR-003, {@code shares}) through InfluxQL: named
 * {@code owner/dataset} (a dataset id never holds {@code /}), authorized exactly as the native
 * {@code /storage/v1/shared/{owner}/datasets/{dataset}/query} (the share must exist, the caller must
 * hold its scope), audited in the caller's tenant with the owner, listed by SHOW DATABASES.
 */
class InfluxQlSharedDatasetsTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    static final String SCOPE = "acme.capacity.read";
    /** 2023-11-14T22:13:20Z in milliseconds. */
    static final long T0 = 1_700_000_000_000L;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex").tenant("initech");
        for (var id : new String[] {"metrics", "secret", "revoked"}) {
            created(server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(id), admin("acme")));
            write("acme", id, "cpu,host=a v=1 %1$d%ncpu,host=b v=2 %2$d%ncpu,host=b v=4 %3$d%n".formatted(T0, T0 + 1000, T0 + 2000));
        }
        // globex's own dataset of the same id, other points: "metrics" and "acme/metrics" must never meet.
        created(server.api().postJson("/storage/v1/datasets", "{\"id\": \"metrics\"}", admin("globex")));
        write("globex", "metrics", "cpu,host=z v=100 %d%nmem,host=z used=5i %d%n".formatted(T0, T0));
        for (var id : new String[] {"metrics", "revoked"}) {
            created(server.api().postJson("/storage/v1/datasets/%s/shares".formatted(id), """
                    {"tenant": "globex", "scope": "%s", "rationale": "globex plans our capacity", "owner": "team-capacity"}
                    """.formatted(SCOPE), admin("acme")));
        }
    }

    private static void created(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static void write(String tenant, String dataset, String lines) {
        var response = server.api().post("/write?precision=ms&db=" + dataset, lines, bearer(server.tokens().user(tenant, "writer")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
    }

    private static String[] admin(String tenant) {
        return bearer(server.tokens().user(tenant, "tenant-admin"));
    }

    /** A globex caller holding the share's scope, as the native shared route requires. */
    private static String[] grantee() {
        return bearer(server.tokens().scoped("globex", SCOPE));
    }

    private static ApiResponse influxql(String db, String q, String... headers) {
        return server.api().get("/query?db=%s&epoch=ms&q=%s".formatted(URLEncoder.encode(db, StandardCharsets.UTF_8),
                URLEncoder.encode(q, StandardCharsets.UTF_8)), headers);
    }

    private static ApiResponse nativeShared(String owner, String dataset, String... headers) {
        return server.api().get("/storage/v1/shared/%s/datasets/%s/query?measurement=cpu&field=v&epoch=ns".formatted(owner, dataset), headers);
    }

    @Test
    void a_grantee_holding_the_scope_reads_owner_slash_dataset_and_its_own_dataset_of_the_same_id_stays_apart() {
        var sum = "SELECT sum(\"v\") FROM \"cpu\" WHERE time >= %dms GROUP BY \"host\"".formatted(T0);

        var shared = influxql("acme/metrics", sum, grantee());
        var named = influxql("metrics", sum.replace("FROM \"cpu\"", "FROM \"acme/metrics\".\"autogen\".\"cpu\""), grantee());
        var own = influxql("metrics", "SELECT sum(\"v\") FROM \"cpu\" WHERE time >= %dms GROUP BY \"host\"".formatted(T0),
                bearer(server.tokens().user("globex", "reader")));

        for (var response : new ApiResponse[] {shared, named}) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            var series = response.json().at("/results/0/series");
            assertThat(series).hasSize(2);
            assertThat(series.get(0).at("/tags/host").asText()).isEqualTo("a");
            assertThat(series.get(0).at("/values/0/1").asDouble()).isEqualTo(1.0);
            assertThat(series.get(1).at("/tags/host").asText()).isEqualTo("b");
            assertThat(series.get(1).at("/values/0/1").asDouble()).isEqualTo(6.0);
        }
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(own.json().at("/results/0/series")).hasSize(1);
        assertThat(own.json().at("/results/0/series/0/tags/host").asText()).isEqualTo("z");
        assertThat(own.json().at("/results/0/series/0/values/0/1").asDouble()).isEqualTo(100.0);
        var measurements = influxql("acme/metrics", "SHOW MEASUREMENTS", grantee());
        assertThat(measurements.json().at("/results/0/series/0/values").toString()).as(measurements.body()).isEqualTo("[[\"cpu\"]]");
        var policies = influxql("acme/metrics", "SHOW RETENTION POLICIES ON \"acme/metrics\"", grantee());
        assertThat(policies.json().at("/results/0/series/0/values/0/0").asText()).as(policies.body()).isEqualTo("autogen");
    }

    @Test
    void refusals_are_those_of_the_native_shared_route() {
        var withoutScope = bearer(server.tokens().user("globex", "tenant-admin"));
        var otherTenant = bearer(server.tokens().scoped("initech", SCOPE));
        // db, native owner, native dataset, caller, expected status
        Object[][] cases = {
            {"acme/metrics", "acme", "metrics", withoutScope, 403},
            {"acme/secret", "acme", "secret", grantee(), 404},
            {"acme/nothing", "acme", "nothing", grantee(), 404},
            {"acme/metrics", "acme", "metrics", otherTenant, 404},
            {"globex/metrics", "globex", "metrics", grantee(), 404},
        };
        for (var c : cases) {
            var headers = (String[]) c[3];
            var influx = influxql((String) c[0], "SELECT * FROM \"cpu\"", headers);
            var nativeRoute = nativeShared((String) c[1], (String) c[2], headers);

            assertThat(nativeRoute.statusCode()).as("native " + c[0]).isEqualTo(c[4]);
            assertThat(influx.statusCode()).as("influxql " + c[0] + ": " + influx.body()).isEqualTo(c[4]);
            assertThat(influx.json().get("error").asText()).as(influx.body()).isNotEmpty();
            assertThat(influx.body()).doesNotContain("\"values\"");
        }
        for (var malformed : new String[] {"ACME/metrics", "acme/", "/metrics", "acme/metrics/cpu"}) {
            assertThat(influxql(malformed, "SHOW MEASUREMENTS", grantee()).statusCode()).as(malformed).isEqualTo(404);
        }
        assertThat(nativeShared("acme", "metrics", withoutScope).json().get("missing_scope").asText()).isEqualTo(SCOPE);
    }

    @Test
    void show_databases_lists_the_shared_datasets_the_caller_may_read_as_owner_slash_dataset() {
        var scoped = influxql("metrics", "SHOW DATABASES", grantee());
        var withoutScope = influxql("metrics", "SHOW DATABASES", bearer(server.tokens().user("globex", "reader")));

        assertThat(scoped.statusCode()).as(scoped.body()).isEqualTo(200);
        assertThat(scoped.json().at("/results/0/series/0/values").toString()).contains("[\"acme/metrics\"]")
                .doesNotContain("acme/secret");
        assertThat(withoutScope.json().at("/results/0/series/0/values").toString()).as(withoutScope.body())
                .isEqualTo("[[\"metrics\"]]");
    }

    @Test
    void revoking_the_share_stops_influxql_reads_at_once_as_it_stops_native_ones() {
        assertThat(influxql("acme/revoked", "SELECT count(\"v\") FROM \"cpu\"", grantee()).statusCode()).isEqualTo(200);
        assertThat(influxql("metrics", "SHOW DATABASES", grantee()).body()).contains("acme/revoked");

        var revoke = server.api().method("DELETE", "/storage/v1/datasets/revoked/shares/globex", admin("acme"));

        assertThat(revoke.statusCode()).isEqualTo(204);
        assertThat(influxql("acme/revoked", "SELECT count(\"v\") FROM \"cpu\"", grantee()).statusCode()).isEqualTo(404);
        assertThat(nativeShared("acme", "revoked", grantee()).statusCode()).isEqualTo(404);
        assertThat(influxql("metrics", "SHOW DATABASES", grantee()).body()).doesNotContain("acme/revoked");
    }

    @Test
    void a_shared_read_is_audited_once_in_the_callers_tenant_with_the_owner() {
        var response = influxql("acme/metrics", "SELECT last(\"v\") FROM \"cpu\" WHERE \"host\" = 'b'", grantee());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.json().at("/results/0/series/0/values/0/1").asDouble()).isEqualTo(4.0);
        assertThat(new AuditLog(server).eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.get("tenant_id").asText()).isEqualTo("globex");
            assertThat(event.at("/operation/dataset_id").asText()).isEqualTo("metrics");
            assertThat(event.at("/details/owner_tenant").asText()).isEqualTo("acme");
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(200);
        });
    }
}
