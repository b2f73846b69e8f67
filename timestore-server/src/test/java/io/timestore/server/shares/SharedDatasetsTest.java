package io.timestore.server.shares;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.security.TenantId;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * BR-003: a dataset shared read-only with named tenants. Enforced by the application (the share
 * must exist, the grantee's caller must hold its scope) and by row-level security (a grantee's
 * transaction sees the shared dataset's rows and nothing else of the owner's, and writes none).
 */
class SharedDatasetsTest {
    private static final String SCOPE = "acme.metrics.read";

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex").tenant("initech");
        for (var id : new String[] {"metrics", "secret", "revoked"}) {
            created(server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(id), admin("acme")));
            var written = server.api().postJson("/storage/v1/datasets/%s/points".formatted(id),
                    "{\"points\": [{\"measurement\": \"%s\", \"fields\": {\"v\": 7}, \"time\": 5}]}".formatted(id), admin("acme"));
            assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        }
        created(share("metrics", "globex"));
        created(share("revoked", "globex"));
    }

    private static void created(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static String[] admin(String tenant) {
        return bearer(server.tokens().user(tenant, "tenant-admin"));
    }

    private static ApiResponse share(String dataset, String grantee) {
        return server.api().postJson("/storage/v1/datasets/%s/shares".formatted(dataset), """
                {"tenant": "%s", "scope": "%s", "rationale": "globex runs our capacity planning", "owner": "team-capacity"}
                """.formatted(grantee, SCOPE), admin("acme"));
    }

    private static ApiResponse sharedQuery(String owner, String dataset, String... headers) {
        return server.api().get("/storage/v1/shared/%s/datasets/%s/query?epoch=ns".formatted(owner, dataset), headers);
    }

    private static String[] grantee() {
        return bearer(server.tokens().scoped("globex", SCOPE));
    }

    @Test
    void a_share_carries_rationale_owner_and_scope_and_is_listed() {
        var list = server.api().get("/storage/v1/datasets/metrics/shares", admin("acme"));

        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.json().at("/items/0/tenant").asText()).isEqualTo("globex");
        assertThat(list.json().at("/items/0/scope").asText()).isEqualTo(SCOPE);
        assertThat(list.json().at("/items/0/rationale").asText()).isEqualTo("globex runs our capacity planning");
        assertThat(list.json().at("/items/0/owner").asText()).isEqualTo("team-capacity");
        assertThat(list.json().at("/items/0/created_by").asText()).isEqualTo("user-tenant-admin@acme");
    }

    @Test
    void invalid_shares_are_refused() {
        assertThat(share("metrics", "globex").statusCode()).isEqualTo(409);
        assertThat(share("metrics", "acme").statusCode()).isEqualTo(400);
        assertThat(share("metrics", "nobody").statusCode()).isEqualTo(400);
        assertThat(share("absent", "globex").statusCode()).isEqualTo(404);
        var missingRationale = server.api().postJson("/storage/v1/datasets/metrics/shares",
                "{\"tenant\": \"initech\", \"scope\": \"s\", \"owner\": \"o\"}", admin("acme"));
        assertThat(missingRationale.statusCode()).isEqualTo(400);
        assertThat(missingRationale.json().at("/errors/0/pointer").asText()).isEqualTo("/rationale");
    }

    @Test
    void a_grantee_caller_holding_the_scope_reads_the_shared_points_and_series() {
        var query = sharedQuery("acme", "metrics", grantee());
        var series = server.api().get("/storage/v1/shared/acme/datasets/metrics/series", grantee());

        assertThat(query.statusCode()).as(query.body()).isEqualTo(200);
        assertThat(query.json().at("/series/0/measurement").asText()).as(query.body()).isEqualTo("metrics");
        assertThat(query.json().at("/series/0/points").toString()).isEqualTo("[[5,7]]");
        assertThat(series.statusCode()).isEqualTo(200);
        assertThat(series.json().at("/items/0/measurement").asText()).isEqualTo("metrics");
        assertThat(new AuditLog(server).eventsFor(query.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/tenant_id").asText()).isEqualTo("globex");
            assertThat(event.at("/details/owner_tenant").asText()).isEqualTo("acme");
            assertThat(event.at("/operation/dataset_id").asText()).isEqualTo("metrics");
        });
    }

    @Test
    void a_grantee_filters_the_shared_dataset_by_tag() {
        created(server.api().postJson("/storage/v1/datasets", "{\"id\": \"tagged\"}", admin("acme")));
        var written = server.api().postJson("/storage/v1/datasets/tagged/points", """
                {"points": [{"measurement": "cpu", "tags": {"host": "a"}, "fields": {"v": 1}, "time": 6},
                            {"measurement": "cpu", "tags": {"host": "b"}, "fields": {"v": 2}, "time": 6}]}
                """, admin("acme"));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        created(share("tagged", "globex"));

        var query = server.api().get("/storage/v1/shared/acme/datasets/tagged/query?epoch=ns&tag.host=b", grantee());

        assertThat(query.statusCode()).as(query.body()).isEqualTo(200);
        assertThat(query.json().get("series")).as(query.body()).singleElement().satisfies(series -> {
            assertThat(series.at("/tags/host").asText()).isEqualTo("b");
            assertThat(series.at("/points").toString()).isEqualTo("[[6,2]]");
        });
    }

    @Test
    void a_grantee_caller_without_the_scope_is_refused_naming_it() {
        var reader = sharedQuery("acme", "metrics", bearer(server.tokens().user("globex", "tenant-admin")));

        assertThat(reader.statusCode()).isEqualTo(403);
        assertThat(reader.json().get("missing_scope").asText()).isEqualTo(SCOPE);
    }

    @Test
    void a_grantee_cannot_read_an_unshared_dataset_and_another_tenant_cannot_read_the_shared_one() {
        assertThat(sharedQuery("acme", "secret", grantee()).statusCode()).isEqualTo(404);
        assertThat(sharedQuery("acme", "nothing", grantee()).statusCode()).isEqualTo(404);
        assertThat(sharedQuery("acme", "metrics", bearer(server.tokens().scoped("initech", SCOPE))).statusCode()).isEqualTo(404);
        assertThat(server.api().get("/storage/v1/datasets/metrics/query", grantee()).statusCode()).isEqualTo(404);
    }

    @Test
    void a_grantee_cannot_write_to_the_shared_dataset() {
        var writer = bearer(server.tokens().user("globex", "tenant-admin"));
        var json = server.api().postJson("/storage/v1/datasets/metrics/points",
                "{\"points\": [{\"measurement\": \"x\", \"fields\": {\"v\": 1}, \"time\": 9}]}", writer);
        var lines = server.api().post("/api/v2/write?org=acme&bucket=metrics", "x v=1 9", writer);
        var share = server.api().postJson("/storage/v1/datasets/metrics/shares",
                "{\"tenant\": \"initech\", \"scope\": \"s\", \"rationale\": \"r\", \"owner\": \"o\"}", writer);

        assertThat(json.statusCode()).isEqualTo(404);
        assertThat(lines.statusCode()).isEqualTo(404);
        assertThat(share.statusCode()).isEqualTo(404);
        assertThat(sharedQuery("acme", "metrics", grantee()).json().at("/series").size()).isEqualTo(1);
    }

    @Test
    void revoking_a_share_stops_reads_at_once() {
        assertThat(sharedQuery("acme", "revoked", grantee()).statusCode()).isEqualTo(200);

        var revoke = server.api().method("DELETE", "/storage/v1/datasets/revoked/shares/globex", admin("acme"));

        assertThat(revoke.statusCode()).isEqualTo(204);
        assertThat(sharedQuery("acme", "revoked", grantee()).statusCode()).isEqualTo(404);
        assertThat(server.api().method("DELETE", "/storage/v1/datasets/revoked/shares/globex", admin("acme")).statusCode())
                .isEqualTo(404);
    }

    @Test
    void revoking_for_a_malformed_tenant_id_is_400_naming_the_tenant_as_every_tenant_path_does() {
        var revoke = server.api().method("DELETE", "/storage/v1/datasets/metrics/shares/Not_A_Tenant", admin("acme"));

        assertThat(revoke.statusCode()).isEqualTo(400);
        assertThat(revoke.json().get("code").asText()).isEqualTo("invalid_request");
        assertThat(revoke.json().get("detail").asText()).isEqualTo("tenant id must match ^[a-z0-9][a-z0-9-]{1,62}$");
        assertThat(revoke.json().at("/errors/0/pointer").asText()).isEqualTo("/tenant");
        assertThat(share("metrics", "globex").statusCode()).as("the share is still there").isEqualTo(409);
    }

    @Test
    void row_level_security_shows_a_grantee_the_shared_rows_only_and_lets_it_change_none() {
        var transactions = server.timestore().database().transactions();
        var globex = new TenantId("globex");

        var visible = transactions.inTenant(globex, connection -> {
            try (var rows = connection.createStatement().executeQuery(
                    "SELECT DISTINCT tenant_id || '/' || dataset_id FROM points ORDER BY 1")) {
                var seen = new java.util.ArrayList<String>();
                while (rows.next()) {
                    seen.add(rows.getString(1));
                }
                return seen;
            }
        });
        long datasets = transactions.inTenant(globex, connection -> count(connection, "SELECT count(*) FROM datasets WHERE tenant_id = 'acme'"));
        long shares = transactions.inTenant(globex, connection -> count(connection, "SELECT count(*) FROM dataset_shares"));
        int updated = transactions.inTenant(globex, connection -> connection.createStatement()
                .executeUpdate("UPDATE points SET f = 0, i = 0 WHERE tenant_id = 'acme'"));
        int deleted = transactions.inTenant(globex, connection -> connection.createStatement()
                .executeUpdate("DELETE FROM points WHERE tenant_id = 'acme'"));

        // "revoked" is shared too until its own test revokes it, "tagged" once its test shares it;
        // "secret" never is.
        assertThat(visible).contains("acme/metrics").doesNotContain("acme/secret")
                .allSatisfy(row -> assertThat(row).isIn("acme/metrics", "acme/revoked", "acme/tagged"));
        assertThat(datasets).isBetween(1L, 3L);
        assertThat(shares).isBetween(1L, 3L);
        assertThat(updated).isZero();
        assertThat(deleted).isZero();
        assertThatThrownBy(() -> transactions.inTenant(globex, connection -> connection.createStatement().executeUpdate(
                "INSERT INTO points (tenant_id, dataset_id, series_id, ts_ns, f) SELECT tenant_id, dataset_id, series_id, 99, 1 "
                        + "FROM points WHERE tenant_id = 'acme' LIMIT 1")))
                .hasStackTraceContaining("row-level security");
        assertThat((long) transactions.inTenant(new TenantId("initech"), connection ->
                count(connection, "SELECT count(*) FROM points WHERE tenant_id = 'acme'"))).isZero();
    }

    private static long count(java.sql.Connection connection, String sql) throws SQLException {
        try (var rows = connection.createStatement().executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
