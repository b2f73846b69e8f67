package io.timestore.server.tenants;

import static io.timestore.server.testing.Api.headers;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.util.ArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Platform operators administer tenants; nobody else can, and every change is audited in the platform partition. */
class TenantRoutesTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        audit = new AuditLog(server);
        server.tenant("acme");
    }

    private static String[] operator() {
        return bearer(server.tokens().platformOperator());
    }

    @Test
    void an_operator_creates_a_tenant_whose_admin_can_then_work_in_it() {
        var created = server.api().postJson("/admin/v1/tenants", """
                {"id": "initech", "name": "Initech", "audit_retention_days": 400}
                """, operator());

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("status").asText()).isEqualTo("active");
        assertThat(created.json().get("revision").asLong()).isEqualTo(1);
        assertThat(created.header("ETag")).isEqualTo("\"1\"");
        assertThat(server.api().get("/admin/v1/tokens", bearer(server.tokens().user("initech", "tenant-admin"))).statusCode())
                .isEqualTo(200);
        assertThat(audit.eventsFor(created.requestId())).singleElement().satisfies(event -> {
            assertThat(event.get("tenant_id").asText()).isEqualTo("_platform");
            assertThat(event.at("/operation/resource_id").asText()).isEqualTo("initech");
            assertThat(event.at("/revision/after").asText()).isEqualTo("1");
        });
    }

    @Test
    void a_disabled_tenant_is_refused_at_once_and_can_be_enabled_again() {
        server.api().postJson("/admin/v1/tenants", """
                {"id": "hooli", "name": "Hooli"}
                """, operator());
        var admin = bearer(server.tokens().user("hooli", "tenant-admin"));
        assertThat(server.api().get("/admin/v1/tokens", admin).statusCode()).isEqualTo(200);

        var disabled = server.api().send(server.api().request("/admin/v1/tenants/hooli",
                        headers(operator(), new String[] {"Content-Type", "application/json", "If-Match", "\"1\""}))
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString("{\"status\": \"disabled\"}")).build());

        assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(200);
        assertThat(disabled.json().get("revision").asLong()).isEqualTo(2);
        var refused = server.api().get("/admin/v1/tokens", admin);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.json().get("code").asText()).isEqualTo("tenant_forbidden");

        var stale = patch("hooli", "{\"status\": \"active\"}", "\"1\"");
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(stale.json().get("code").asText()).isEqualTo("precondition_failed");
        assertThat(patch("hooli", "{\"status\": \"active\"}", "\"2\"").statusCode()).isEqualTo(200);
        assertThat(server.api().get("/admin/v1/tokens", admin).statusCode()).isEqualTo(200);
    }

    @Test
    void only_platform_operators_administer_tenants() {
        var tenantAdmin = server.api().postJson("/admin/v1/tenants", "{\"id\": \"sneaky\", \"name\": \"Sneaky\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        var anonymous = server.api().get("/admin/v1/tenants");

        assertThat(tenantAdmin.statusCode()).isEqualTo(403);
        assertThat(tenantAdmin.json().get("missing_role").asText()).isEqualTo("platform-operator");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(server.api().get("/admin/v1/tenants/sneaky", operator()).statusCode()).isEqualTo(404);
    }

    @Test
    void bad_tenant_requests_are_400_with_pointers_and_duplicates_409() {
        var bad = server.api().postJson("/admin/v1/tenants", """
                {"id": "Not Valid", "audit_retention_days": 0, "colour": "red"}
                """, operator());
        var duplicate = server.api().postJson("/admin/v1/tenants", "{\"id\": \"acme\", \"name\": \"Again\"}", operator());

        assertThat(bad.statusCode()).isEqualTo(400);
        var pointers = new ArrayList<String>();
        bad.json().get("errors").forEach(e -> pointers.add(e.get("pointer").asText()));
        assertThat(pointers).containsExactlyInAnyOrder("/id", "/name", "/audit_retention_days", "/colour");
        assertThat(duplicate.statusCode()).isEqualTo(409);
    }

    @Test
    void a_malformed_tenant_id_in_the_path_is_400_with_the_pointer_tenant() {
        var response = server.api().get("/admin/v1/tenants/Not_A_Tenant", operator());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.json().get("code").asText()).isEqualTo("invalid_request");
        assertThat(response.json().get("detail").asText()).isEqualTo("tenant id must match ^[a-z0-9][a-z0-9-]{1,62}$");
        assertThat(response.json().at("/errors/0/pointer").asText()).isEqualTo("/tenant");
    }

    @Test
    void listing_pages_through_every_tenant_once() {
        for (int i = 0; i < 5; i++) {
            server.api().postJson("/admin/v1/tenants", "{\"id\": \"page-%d\", \"name\": \"P%d\"}".formatted(i, i), operator());
        }
        var seen = new ArrayList<String>();
        String cursor = null;
        do {
            var page = server.api().get("/admin/v1/tenants?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), operator());
            assertThat(page.statusCode()).isEqualTo(200);
            page.json().get("items").forEach(t -> seen.add(t.get("id").asText()));
            cursor = page.json().has("next_cursor") ? page.json().get("next_cursor").asText() : null;
        } while (cursor != null);

        assertThat(seen).doesNotHaveDuplicates().contains("acme", "page-0", "page-4").isSorted();
        var tampered = server.api().get("/admin/v1/tenants?cursor=AAAA.BBBB", operator());
        assertThat(tampered.statusCode()).isEqualTo(400);
    }

    private static io.timestore.server.testing.ApiResponse patch(String tenant, String body, String ifMatch) {
        return server.api().send(server.api().request("/admin/v1/tenants/" + tenant,
                        headers(operator(), new String[] {"Content-Type", "application/json", "If-Match", ifMatch}))
                .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());
    }
}
