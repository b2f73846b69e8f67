package io.timestore.server.auditing;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** G3 and G4 over real HTTP: one durable event per request, whatever the outcome; no success without it. */
class AuditStepTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void tenants() {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
        // Tokens name only existing datasets.
        var cpu = server.api().postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(cpu.statusCode()).as(cpu.body()).isEqualTo(201);
    }

    private static String tokenBody(String name) {
        return """
                {"name": "%s", "permissions": [{"action": "dataset:read", "datasets": ["cpu"]}]}
                """.formatted(name);
    }

    @Test
    void a_request_without_credentials_is_401_and_leaves_one_denied_event_in_the_platform_partition() {
        var response = server.api().get("/admin/v1/tokens");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("credentials_missing");
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"timestore\"");
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.get("tenant_id").asText()).isEqualTo("_platform");
            assertThat(event.at("/outcome/result").asText()).isEqualTo("denied");
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(401);
            assertThat(event.at("/outcome/error/code").asText()).isEqualTo("credentials_missing");
            assertThat(event.at("/actor/type").asText()).isEqualTo("anonymous");
            assertThat(event.get("severity").asText()).isEqualTo("security");
        });
    }

    @Test
    void a_created_token_commits_exactly_one_succeeded_event_that_never_holds_the_secret() {
        var response = server.api().post("/admin/v1/tokens", tokenBody("ci"),
                "Content-Type", "application/json", bearer(server.tokens().user("acme", "tenant-admin"))[0],
                bearer(server.tokens().user("acme", "tenant-admin"))[1]);

        assertThat(response.statusCode()).isEqualTo(201);
        var secret = response.json().get("token").asText();
        assertThat(secret).startsWith("tsk_");
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.get("tenant_id").asText()).isEqualTo("acme");
            assertThat(event.at("/outcome/result").asText()).isEqualTo("succeeded");
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(201);
            assertThat(event.at("/operation/action").asText()).isEqualTo("token:manage");
            assertThat(event.at("/operation/resource_id").asText()).isEqualTo(response.json().get("id").asText());
            assertThat(event.at("/actor/id").asText()).isEqualTo("user-tenant-admin@acme");
            assertThat(event.at("/actor/auth_method").asText()).isEqualTo("jwt");
            assertThat(event.at("/request/method").asText()).isEqualTo("POST");
        });
        assertThat(audit.everything()).doesNotContain(secret).doesNotContain(secret.substring(secret.length() - 20));
    }

    @Test
    void a_reader_managing_tokens_is_403_naming_the_missing_role_and_is_audited_as_denied() {
        var response = server.api().get("/admin/v1/tokens", bearer(server.tokens().user("acme", "reader")));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.json().get("code").asText()).isEqualTo("forbidden");
        assertThat(response.json().get("missing_role").asText()).isEqualTo("tenant-admin");
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.get("tenant_id").asText()).isEqualTo("acme");
            assertThat(event.at("/outcome/result").asText()).isEqualTo("denied");
        });
    }

    @Test
    void an_unmatched_route_is_404_and_still_leaves_one_event() {
        var response = server.api().get("/storage/v1/no-such-thing", bearer(server.tokens().user("acme", "reader")));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/outcome/result").asText()).isEqualTo("failed");
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(404);
            assertThat(event.at("/request/path").asText()).isEqualTo("/storage/v1/no-such-thing");
        });
    }

    @Test
    void two_requests_reusing_a_client_request_id_leave_two_events() {
        var first = server.api().get("/admin/v1/tokens", "X-Request-ID", "reused-id", bearer(server.tokens().user("acme", "reader"))[0],
                bearer(server.tokens().user("acme", "reader"))[1]);
        var second = server.api().get("/admin/v1/tokens", "X-Request-ID", "reused-id", bearer(server.tokens().user("acme", "reader"))[0],
                bearer(server.tokens().user("acme", "reader"))[1]);

        assertThat(first.requestId()).isEqualTo(second.requestId()).isEqualTo("reused-id");
        assertThat(audit.eventsFor("reused-id")).hasSize(2);
    }

    @Test
    void operational_routes_leave_no_event() {
        var response = server.api().get("/healthz", "X-Request-ID", "health-probe-1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(audit.eventsFor("health-probe-1")).isEmpty();
    }

    @Test
    void when_the_audit_store_refuses_writes_a_mutation_is_503_and_changes_nothing() throws SQLException {
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        revokeAuditInserts(true);
        try {
            var create = server.api().post("/admin/v1/tokens", tokenBody("never-created"), "Content-Type", "application/json",
                    admin[0], admin[1]);
            var read = server.api().get("/admin/v1/tokens", admin);

            assertThat(create.statusCode()).isEqualTo(503);
            assertThat(create.json().get("code").asText()).isEqualTo("audit_unavailable");
            assertThat(create.body()).doesNotContain("tsk_");
            assertThat(read.statusCode()).isEqualTo(503);
            assertThat(read.json().get("code").asText()).isEqualTo("audit_unavailable");
            assertThat(server.api().get("/readyz").json().at("/checks/audit").asText()).isEqualTo("down");
        } finally {
            revokeAuditInserts(false);
        }
        var list = server.api().get("/admin/v1/tokens", admin);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).doesNotContain("never-created");
    }

    @Test
    void a_point_write_refused_by_the_audit_store_leaves_no_series_id_behind_for_the_next_write() throws SQLException {
        // The refused write creates its series, then rolls back with its event: a series id it
        // had remembered (ingest.KnownSeries) would send the next write's point to no series.
        var writer = bearer(server.tokens().user("acme", "writer"));
        var body = """
                {"points": [{"measurement": "refused", "tags": {"host": "a"}, "time": %d, "fields": {"usage": 1.5}}]}
                """;
        revokeAuditInserts(true);
        try {
            var refused = server.api().postJson("/storage/v1/datasets/cpu/points", body.formatted(1_700_000_000_000_000_000L), writer);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        } finally {
            revokeAuditInserts(false);
        }

        var written = server.api().postJson("/storage/v1/datasets/cpu/points", body.formatted(1_700_000_000_000_000_001L), writer);

        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        var read = server.api().get("/storage/v1/datasets/cpu/query?measurement=refused&epoch=ns",
                bearer(server.tokens().user("acme", "reader")));
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.json().at("/series/0/points").toString()).as(read.body()).isEqualTo("[[1700000000000000001,1.5]]");
    }

    private static void revokeAuditInserts(boolean revoke) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database()); var statement = superuser.createStatement()) {
            statement.execute((revoke ? "REVOKE" : "GRANT") + " INSERT ON audit_events " + (revoke ? "FROM" : "TO") + " timestore_app");
        }
    }
}
