package io.timestore.server.auditapi;

import static io.timestore.server.testing.Api.headers;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** BR-006 over HTTP: who reads which audit events, how much of them, and that each read is itself audited. */
class AuditApiTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() throws Exception {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        for (int i = 0; i < 25; i++) {
            server.api().get("/admin/v1/tokens", headers(admin, new String[] {"User-Agent", "probe/" + i}));
        }
        server.api().get("/admin/v1/tokens", bearer(server.tokens().user("globex", "tenant-admin")));
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private static ApiResponse as(String tenant, String role, String query) {
        return server.api().get("/api/audit/v1alpha1/events" + query, bearer(server.tokens().user(tenant, role)));
    }

    @Test
    void an_auditor_sees_only_its_tenant_newest_first_with_every_field() {
        var page = as("acme", "auditor", "?component=tokens&limit=10");

        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        var items = page.json().get("items");
        assertThat(items).hasSize(10);
        var times = new ArrayList<String>();
        items.forEach(e -> {
            assertThat(e.get("tenant_id").asText()).isEqualTo("acme");
            times.add(e.get("occurred_at").asText());
        });
        assertThat(times).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(items.get(items.size() - 1).at("/request/user_agent").asText()).startsWith("probe/");
        assertThat(page.json().has("next_cursor")).isTrue();
    }

    @Test
    void support_sees_masked_details_client_and_stable_pseudonyms() {
        var support = as("acme", "support", "?action=token:manage&limit=5").json().get("items");
        var auditor = as("acme", "auditor", "?action=token:manage&limit=5").json().get("items");

        assertThat(support).hasSize(5);
        var pseudonyms = new HashSet<String>();
        for (int i = 0; i < support.size(); i++) {
            var masked = support.get(i);
            assertThat(masked.at("/request/user_agent").asText()).doesNotStartWith("probe/");
            assertThat(masked.at("/actor/id").asText()).isNotEqualTo(auditor.get(i).at("/actor/id").asText());
            pseudonyms.add(masked.at("/actor/id").asText());
        }
        assertThat(pseudonyms).as("one actor stays one pseudonym").hasSize(1);
    }

    @Test
    void a_reader_may_not_read_audit_and_tenants_cannot_reach_each_other() {
        var reader = as("acme", "reader", "");
        var crossTenant = as("acme", "auditor", "?tenant=globex");
        var everything = as("acme", "tenant-admin", "?tenant=*");

        assertThat(reader.statusCode()).isEqualTo(403);
        assertThat(reader.json().has("missing_role")).isTrue();
        assertThat(crossTenant.statusCode()).isEqualTo(403);
        assertThat(crossTenant.json().get("missing_role").asText()).isEqualTo("platform-operator");
        assertThat(everything.statusCode()).isEqualTo(403);
    }

    @Test
    void an_operator_reads_across_tenants_and_that_read_is_a_security_event() {
        var response = server.api().get("/api/audit/v1alpha1/events?tenant=acme,globex&limit=1000",
                headers(bearer(server.tokens().platformOperator()), new String[] {"X-Tenant-ID", "acme"}));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var tenants = new HashSet<String>();
        response.json().get("items").forEach(e -> tenants.add(e.get("tenant_id").asText()));
        assertThat(tenants).containsExactlyInAnyOrder("acme", "globex");
        assertThat(audit.eventsFor(response.requestId())).singleElement()
                .satisfies(e -> assertThat(e.get("severity").asText()).isEqualTo("security"));
    }

    @Test
    void filters_combine_and_bad_values_are_400() {
        var denied = as("acme", "auditor", "?result=DENIED&severity=Security");
        var combined = as("acme", "auditor", "?component=tokens&result=succeeded&limit=1000");

        assertThat(denied.statusCode()).isEqualTo(200);
        denied.json().get("items").forEach(e -> assertThat(e.at("/outcome/result").asText()).isEqualTo("denied"));
        combined.json().get("items").forEach(e -> {
            assertThat(e.at("/operation/component").asText()).isEqualTo("tokens");
            assertThat(e.at("/outcome/result").asText()).isEqualTo("succeeded");
        });
        assertThat(combined.json().get("items").size()).isGreaterThanOrEqualTo(25);
        assertThat(as("acme", "auditor", "?severity=loud").statusCode()).isEqualTo(400);
        assertThat(as("acme", "auditor", "?colour=red").statusCode()).isEqualTo(400);
        assertThat(as("acme", "auditor", "?from=yesterday").statusCode()).isEqualTo(400);
    }

    @Test
    void pages_return_every_event_once_and_a_tampered_cursor_is_400() {
        var seen = new ArrayList<String>();
        String cursor = null;
        do {
            var page = as("acme", "auditor", "?component=tokens&limit=7" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.statusCode()).isEqualTo(200);
            page.json().get("items").forEach(e -> seen.add(e.get("event_id").asText()));
            cursor = page.json().has("next_cursor") ? page.json().get("next_cursor").asText() : null;
            if (cursor != null) {
                // A character in the middle: every bit of it counts. (Changing the last base64url
                // character can leave the decoded bytes as they were, since its low bits are padding.)
                int at = cursor.length() / 2;
                var tampered = cursor.substring(0, at) + (cursor.charAt(at) == 'A' ? 'B' : 'A') + cursor.substring(at + 1);
                assertThat(as("acme", "auditor", "?component=tokens&limit=7&cursor=" + tampered).statusCode()).isEqualTo(400);
                assertThat(as("globex", "auditor", "?component=tokens&limit=7&cursor=" + cursor).statusCode()).isEqualTo(400);
            }
        } while (cursor != null);

        assertThat(seen).doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(25);
    }

    @Test
    void one_event_comes_with_its_seal_and_the_checkpoint_list_with_its_key() {
        var first = as("acme", "auditor", "?component=tokens&limit=1").json().get("items").get(0);
        var id = first.get("event_id").asText();

        var one = server.api().get("/api/audit/v1alpha1/events/" + id, bearer(server.tokens().user("acme", "auditor")));
        var checkpoints = server.api().get("/api/audit/v1alpha1/checkpoints", bearer(server.tokens().user("acme", "auditor")));

        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(one.json().get("seq").asLong()).isPositive();
        assertThat(one.json().get("hash").asText()).hasSize(64);
        assertThat(checkpoints.json().get("public_keys")).isNotEmpty();
        assertThat(server.api().get("/api/audit/v1alpha1/events/" + id, bearer(server.tokens().user("globex", "auditor"))).statusCode())
                .isEqualTo(404);
    }

    @Test
    void the_chain_verifies_over_http() {
        var report = server.api().get("/api/audit/v1alpha1/verify", bearer(server.tokens().user("acme", "auditor")));

        assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
        assertThat(report.json().get("ok").asBoolean()).as(report.body()).isTrue();
        assertThat(report.json().at("/tenants/0/tenant_id").asText()).isEqualTo("acme");
    }

    @Test
    void exports_stream_ndjson_and_csv() {
        var auditor = bearer(server.tokens().user("acme", "auditor"));
        var ndjson = server.api().get("/api/audit/v1alpha1/events?component=tokens", headers(auditor, new String[] {"Accept", "application/x-ndjson"}));
        var csv = server.api().get("/api/audit/v1alpha1/events?component=tokens", headers(auditor, new String[] {"Accept", "text/csv"}));

        assertThat(ndjson.statusCode()).isEqualTo(200);
        assertThat(ndjson.contentType()).startsWith("application/x-ndjson");
        List<String> lines = ndjson.body().lines().toList();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(25).allSatisfy(line -> assertThat(line).startsWith("{\"event_id\""));
        assertThat(csv.contentType()).startsWith("text/csv");
        assertThat(csv.body().lines().findFirst().orElseThrow()).startsWith("event_id,tenant_id,occurred_at");
        assertThat(csv.body().lines().count()).isEqualTo(lines.size() + 1);
        assertThat(audit.eventsFor(ndjson.requestId())).singleElement()
                .satisfies(e -> assertThat(e.at("/details/export").asText()).isEqualTo("ndjson"));
    }

    @Test
    void an_operator_reads_every_audit_route_without_x_tenant_id_and_such_reads_are_recorded_in_the_platform_partition() {
        var operator = bearer(server.tokens().platformOperator());
        var acmeEvent = as("acme", "auditor", "?component=tokens&limit=1").json().at("/items/0/event_id").asText();

        var all = server.api().get("/api/audit/v1alpha1/events?tenant=*&limit=1000", operator);
        var one = server.api().get("/api/audit/v1alpha1/events/" + acmeEvent + "?tenant=acme", operator);
        var checkpoints = server.api().get("/api/audit/v1alpha1/checkpoints?tenant=acme", operator);
        var verify = server.api().get("/api/audit/v1alpha1/verify?tenant=acme,globex", operator);

        assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
        var tenants = new HashSet<String>();
        all.json().get("items").forEach(e -> tenants.add(e.get("tenant_id").asText()));
        assertThat(tenants).contains("acme", "globex");
        assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
        assertThat(one.json().get("tenant_id").asText()).isEqualTo("acme");
        assertThat(checkpoints.statusCode()).as(checkpoints.body()).isEqualTo(200);
        checkpoints.json().get("items").forEach(c -> assertThat(c.get("tenant_id").asText()).isEqualTo("acme"));
        assertThat(verify.statusCode()).as(verify.body()).isEqualTo(200);
        assertThat(verify.json().get("tenants").findValuesAsText("tenant_id")).containsExactly("acme", "globex");
        for (var read : List.of(all, one, checkpoints, verify)) {
            assertThat(audit.eventsFor(read.requestId())).singleElement().satisfies(e -> {
                assertThat(e.get("tenant_id").asText()).isEqualTo("_platform");
                assertThat(e.at("/actor/id").asText()).isEqualTo("operator");
            });
        }
        assertThat(audit.eventsFor(all.requestId()).getFirst().get("severity").asText()).isEqualTo("security");
    }

    @Test
    void an_operator_that_names_no_partition_reads_its_own_the_platform_partition() {
        var operator = bearer(server.tokens().platformOperator());
        var first = server.api().get("/api/audit/v1alpha1/verify", operator);

        var own = server.api().get("/api/audit/v1alpha1/events?limit=1000", operator);
        var acmeEvent = as("acme", "auditor", "?component=tokens&limit=1").json().at("/items/0/event_id").asText();
        var elsewhere = server.api().get("/api/audit/v1alpha1/events/" + acmeEvent, operator);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("tenants").findValuesAsText("tenant_id")).containsExactly("_platform");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(own.json().get("items")).allSatisfy(e -> assertThat(e.get("tenant_id").asText()).isEqualTo("_platform"));
        assertThat(own.json().get("items").findValuesAsText("request_id")).contains(first.requestId());
        assertThat(elsewhere.statusCode()).as("an acme event is not in _platform").isEqualTo(404);
    }

    @Test
    void an_operator_naming_a_tenant_with_x_tenant_id_still_reads_that_tenant() {
        var response = server.api().get("/api/audit/v1alpha1/events?limit=5",
                headers(bearer(server.tokens().platformOperator()), new String[] {"X-Tenant-ID", "acme"}));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("items")).isNotEmpty()
                .allSatisfy(e -> assertThat(e.get("tenant_id").asText()).isEqualTo("acme"));
        assertThat(audit.eventsFor(response.requestId())).singleElement()
                .satisfies(e -> assertThat(e.get("tenant_id").asText()).isEqualTo("acme"));
    }

    @Test
    void checkpoints_name_one_partition_at_a_time_and_tenant_callers_only_their_own() {
        var operator = bearer(server.tokens().platformOperator());

        var several = server.api().get("/api/audit/v1alpha1/checkpoints?tenant=acme,globex", operator);
        var foreign = server.api().get("/api/audit/v1alpha1/checkpoints?tenant=globex", bearer(server.tokens().user("acme", "auditor")));

        assertThat(several.statusCode()).as(several.body()).isEqualTo(400);
        assertThat(several.json().at("/errors/0/pointer").asText()).isEqualTo("/tenant");
        assertThat(foreign.statusCode()).as(foreign.body()).isEqualTo(403);
    }
}
