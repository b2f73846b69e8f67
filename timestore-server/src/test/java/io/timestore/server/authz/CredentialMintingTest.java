package io.timestore.server.authz;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.security.signed.SignedRequestInput;
import io.timestore.security.signed.SignedRequestSigner;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15 item 1: a credential never carries more than its creator could do when it was made
 * (docs/authorization.md, "Minting credentials"). Tenant {@code acme} has {@code payroll}, whose
 * {@code read} block admits only role {@code finance}, and {@code cpu} on the tenant defaults. A
 * plain tenant admin may not read payroll, so it may not mint a token, a signing key or a share
 * that reads it; a tenant admin whose JWT also says {@code finance} may.
 */
class CredentialMintingTest {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final String PAYROLL_QUERY = "/storage/v1/datasets/payroll/query?epoch=ns";

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
        expect(server.api().postJson("/storage/v1/datasets", """
                {"id": "payroll", "access": {"read": {"roles": ["finance"]}}}
                """, admin()), 201);
        expect(server.api().postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", admin()), 201);
        for (var dataset : List.of("payroll", "cpu")) {
            expect(server.api().postJson("/storage/v1/datasets/%s/points".formatted(dataset),
                    "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 1}, \"time\": 1}]}", admin()), 204);
        }
    }

    @Test
    void a_tenant_admin_a_read_block_excludes_cannot_mint_itself_a_token_that_reads_the_dataset() {
        assertThat(server.api().get(PAYROLL_QUERY, admin()).statusCode()).as("the admin's own query").isEqualTo(403);

        var minted = server.api().postJson("/admin/v1/tokens", """
                {"name": "payroll-escalation", "permissions": [{"action": "dataset:read", "datasets": ["payroll"]}]}
                """, admin());

        assertDeniedOnce(minted, "finance");
        assertThat(minted.body()).doesNotContain("tsk_");
        assertThat(server.api().get("/admin/v1/tokens", admin()).body()).doesNotContain("payroll-escalation");
    }

    @Test
    void a_tenant_admin_cannot_mint_a_signing_key_with_a_role_it_does_not_hold() {
        var minted = server.api().postJson("/admin/v1/signing-keys", """
                {"name": "finance-escalation", "roles": ["finance"]}
                """, admin());

        assertDeniedOnce(minted, "finance");
        assertThat(minted.body()).doesNotContain("secret");
        assertThat(server.api().get("/admin/v1/signing-keys", admin()).body()).doesNotContain("finance-escalation");
    }

    @Test
    void a_signing_key_carries_only_scopes_its_creator_holds() {
        var scopedAdmin = bearer(server.tokens().scoped("acme", "timestore.admin"));

        var reading = server.api().postJson("/admin/v1/signing-keys",
                "{\"name\": \"reads\", \"scopes\": [\"timestore.read\"]}", scopedAdmin);
        var administering = server.api().postJson("/admin/v1/signing-keys",
                "{\"name\": \"administers\", \"scopes\": [\"timestore.admin\"]}", scopedAdmin);

        assertThat(reading.statusCode()).as(reading.body()).isEqualTo(403);
        assertThat(reading.json().get("missing_scope").asText()).isEqualTo("timestore.read");
        assertThat(administering.statusCode()).as(administering.body()).isEqualTo(201);
    }

    @Test
    void a_signed_request_mints_no_more_than_its_key_holds() {
        var adminKey = signingKey(admin(), "{\"name\": \"admin-service\", \"roles\": [\"tenant-admin\"]}");

        var minted = server.api().send(signed("POST", "/admin/v1/signing-keys",
                "{\"name\": \"chained\", \"roles\": [\"finance\"]}", adminKey));

        assertDeniedOnce(minted, "finance");
    }

    @Test
    void a_caller_holding_the_blocks_role_mints_a_token_and_a_key_that_read_the_dataset() {
        var financeAdmin = bearer(server.tokens().user("acme", "tenant-admin", "finance"));
        var token = expect(server.api().postJson("/admin/v1/tokens", """
                {"name": "payroll-reader", "permissions": [{"action": "dataset:read", "datasets": ["payroll"]}]}
                """, financeAdmin), 201).json().get("token").asText();
        var key = signingKey(financeAdmin, "{\"name\": \"payroll-service\", \"roles\": [\"finance\"]}");

        assertThat(server.api().get(PAYROLL_QUERY, "Authorization", "Token " + token).statusCode()).isEqualTo(200);
        assertThat(server.api().send(signed("GET", PAYROLL_QUERY, null, key)).statusCode()).isEqualTo(200);
    }

    @Test
    void an_all_datasets_permission_needs_the_action_from_the_tenant_defaults() {
        var scopedAdmin = bearer(server.tokens().scoped("acme", "timestore.admin"));

        var reading = server.api().postJson("/admin/v1/tokens",
                "{\"name\": \"reads-all\", \"permissions\": [{\"action\": \"dataset:read\"}]}", scopedAdmin);
        var administering = server.api().postJson("/admin/v1/tokens",
                "{\"name\": \"administers-all\", \"permissions\": [{\"action\": \"dataset:admin\"}]}", scopedAdmin);

        assertThat(reading.statusCode()).as(reading.body()).isEqualTo(403);
        assertThat(reading.json().get("missing_role").asText()).isEqualTo("reader");
        assertThat(reading.json().get("missing_scope").asText()).isEqualTo("timestore.read");
        assertThat(audit.eventsFor(reading.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/result").asText()).isEqualTo("denied"));
        assertThat(administering.statusCode()).as(administering.body()).isEqualTo(201);
    }

    @Test
    void an_all_datasets_permission_never_reaches_a_dataset_with_its_own_block_even_when_added_later() {
        var financeAdmin = bearer(server.tokens().user("acme", "tenant-admin", "finance"));
        expect(server.api().postJson("/storage/v1/datasets", "{\"id\": \"ledger\"}", admin()), 201);
        var everything = mint(financeAdmin, "{\"name\": \"reads-everything\", \"permissions\": [{\"action\": \"dataset:read\"}]}");

        var cpu = server.api().get("/storage/v1/datasets/cpu/query", everything);
        var payroll = server.api().get(PAYROLL_QUERY, everything);
        var ledgerBefore = server.api().get("/storage/v1/datasets/ledger/query", everything);
        restrictToFinance("ledger");
        var ledgerAfter = server.api().get("/storage/v1/datasets/ledger/query", everything);

        assertThat(cpu.statusCode()).isEqualTo(200);
        assertThat(payroll.statusCode()).as("the minter could read payroll, the token cannot").isEqualTo(403);
        assertThat(ledgerBefore.statusCode()).isEqualTo(200);
        assertThat(ledgerAfter.statusCode()).isEqualTo(403);
    }

    @Test
    void a_named_permission_is_decided_when_the_token_is_made_and_survives_a_later_block() {
        expect(server.api().postJson("/storage/v1/datasets", "{\"id\": \"journal\"}", admin()), 201);
        var named = mint(admin(), """
                {"name": "journal-reader", "permissions": [{"action": "dataset:read", "datasets": ["journal"]}]}
                """);

        restrictToFinance("journal");

        assertThat(server.api().get("/storage/v1/datasets/journal/query", admin()).statusCode()).isEqualTo(403);
        assertThat(server.api().get("/storage/v1/datasets/journal/query", named).statusCode())
                .as("named explicitly while the minter could read it; revoke it to take it back").isEqualTo(200);
    }

    @Test
    void a_named_permission_for_a_dataset_that_does_not_exist_is_refused() {
        var minted = server.api().postJson("/admin/v1/tokens", """
                {"name": "future", "permissions": [{"action": "dataset:write", "datasets": ["cpu", "payroll-2027"]}]}
                """, admin());

        assertThat(minted.statusCode()).as(minted.body()).isEqualTo(400);
        assertThat(minted.json().get("code").asText()).isEqualTo("invalid_request");
        assertThat(minted.json().get("errors")).singleElement().satisfies(error -> {
            assertThat(error.get("pointer").asText()).isEqualTo("/permissions/0/datasets");
            assertThat(error.get("detail").asText()).contains("'payroll-2027'");
        });
        assertThat(audit.eventsFor(minted.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/status").asInt()).isEqualTo(400));
        assertThat(server.api().get("/admin/v1/tokens", admin()).body()).doesNotContain("\"future\"");
    }

    @Test
    void a_tenant_admin_a_read_block_excludes_cannot_share_the_dataset() {
        var share = """
                {"tenant": "globex", "scope": "acme.payroll.read", "rationale": "r", "owner": "o"}
                """;

        var byAdmin = server.api().postJson("/storage/v1/datasets/payroll/shares", share, admin());
        var byFinanceAdmin = server.api().postJson("/storage/v1/datasets/payroll/shares", share,
                bearer(server.tokens().user("acme", "tenant-admin", "finance")));

        assertDeniedOnce(byAdmin, "finance");
        assertThat(byFinanceAdmin.statusCode()).as(byFinanceAdmin.body()).isEqualTo(201);
    }

    private static void assertDeniedOnce(ApiResponse response, String missingRole) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("forbidden");
        assertThat(response.json().get("missing_role").asText()).isEqualTo(missingRole);
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/outcome/result").asText()).isEqualTo("denied");
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(403);
        });
    }

    private static void restrictToFinance(String dataset) {
        var revision = expect(server.api().get("/storage/v1/datasets/" + dataset, admin()), 200).json().get("revision").asLong();
        var patched = server.api().send(server.api().request("/storage/v1/datasets/" + dataset,
                        "Authorization", admin()[1], "Content-Type", "application/json", "If-Match", "\"" + revision + "\"")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"access\": {\"read\": {\"roles\": [\"finance\"]}}}"))
                .build());
        expect(patched, 200);
    }

    private static String[] admin() {
        return bearer(server.tokens().user("acme", "tenant-admin"));
    }

    private static String[] mint(String[] minter, String body) {
        return new String[] {"Authorization",
                "Token " + expect(server.api().postJson("/admin/v1/tokens", body, minter), 201).json().get("token").asText()};
    }

    private record Key(String id, byte[] secret) {}

    private static Key signingKey(String[] minter, String body) {
        JsonNode created = expect(server.api().postJson("/admin/v1/signing-keys", body, minter), 201).json();
        return new Key(created.get("id").asText(), Base64.getUrlDecoder().decode(created.get("secret").asText()));
    }

    /** A TS1-HMAC-SHA256 request for {@code target} (path and query), with a JSON body when {@code json} is given. */
    private static HttpRequest signed(String method, String target, String json, Key key) {
        var uri = server.api().base().resolve(target);
        var body = json == null ? new byte[0] : json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var headers = new LinkedHashMap<String, List<String>>();
        headers.put("host", List.of(uri.getHost() + ":" + uri.getPort()));
        headers.put("x-ts-date", List.of(ZonedDateTime.now(ZoneOffset.UTC).format(DATE)));
        headers.put("x-ts-nonce", List.of(UUID.randomUUID().toString().replace("-", "")));
        var input = new SignedRequestInput(method, uri.getRawPath(), uri.getRawQuery() == null ? "" : uri.getRawQuery(),
                headers, SignedRequestInput.sha256Hex(body));
        var all = new ArrayList<>(List.of("X-TS-Date", headers.get("x-ts-date").getFirst(),
                "X-TS-Nonce", headers.get("x-ts-nonce").getFirst(),
                "Authorization", SignedRequestSigner.authorization(input, key.id(), key.secret(), List.of())));
        if (json != null) {
            all.addAll(List.of("Content-Type", "application/json"));
        }
        return server.api().request(target, all.toArray(String[]::new))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static ApiResponse expect(ApiResponse response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return response;
    }
}
