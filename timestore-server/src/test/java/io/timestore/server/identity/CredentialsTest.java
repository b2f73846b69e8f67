package io.timestore.server.identity;

import static io.timestore.server.testing.Api.headers;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.signed.SignedRequestInput;
import io.timestore.security.signed.SignedRequestSigner;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.CapturedLogs;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Identity over real HTTP (issue 3): API tokens and signed requests end to end, tenant resolution,
 * and — checked last — that no secret used anywhere in this class reached a log line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CredentialsTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final List<String> secretsUsed = new CopyOnWriteArrayList<>();
    private static CapturedLogs logs;
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        logs = CapturedLogs.capture();
        server.tenant("acme").tenant("globex").tenant("dormant");
        audit = new AuditLog(server);
        // Tokens name only existing datasets.
        for (var dataset : List.of("cpu", "mem")) {
            var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(dataset), admin("acme"));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
    }

    @AfterAll
    static void tearDown() {
        logs.close();
    }

    private static String[] admin(String tenant) {
        var token = server.tokens().user(tenant, "tenant-admin");
        secretsUsed.add(token);
        return bearer(token);
    }

    private static String createToken(String tenant, String body) {
        var response = server.api().postJson("/admin/v1/tokens", body, admin(tenant));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        var token = response.json().get("token").asText();
        secretsUsed.add(token);
        return token;
    }

    @Test
    @Order(1)
    void an_api_token_authenticates_with_the_token_scheme_and_is_held_to_its_permissions() {
        var token = createToken("acme", """
                {"name": "influx-writer", "permissions": [{"action": "dataset:write"}]}
                """);

        var asInfluxClient = server.api().get("/admin/v1/tokens", "Authorization", "Token " + token);
        var asBearer = server.api().get("/admin/v1/tokens", "Authorization", "Bearer " + token);

        assertThat(asInfluxClient.statusCode()).as("authenticated, but tokens cannot manage tokens").isEqualTo(403);
        assertThat(asInfluxClient.json().get("code").asText()).isEqualTo("forbidden");
        assertThat(asBearer.statusCode()).isEqualTo(403);
        assertThat(audit.eventsFor(asInfluxClient.requestId())).singleElement()
                .satisfies(e -> assertThat(e.at("/actor/auth_method").asText()).isEqualTo("api_token"));
    }

    @Test
    @Order(2)
    void listing_shows_tokens_without_secrets_and_a_revoked_token_fails_on_the_next_request() {
        var token = createToken("acme", """
                {"name": "short-lived", "permissions": [{"action": "dataset:read", "datasets": ["cpu", "mem"]}],
                 "expires_at": "%s"}
                """.formatted(ZonedDateTime.now(ZoneOffset.UTC).plusDays(3).withNano(0).format(DateTimeFormatter.ISO_INSTANT)));
        var id = token.substring(4, 28);

        var list = server.api().get("/admin/v1/tokens", admin("acme"));
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains(id).contains("short-lived").doesNotContain(token).doesNotContain("tsk_");

        var revoke = server.api().method("DELETE", "/admin/v1/tokens/" + id, admin("acme"));
        assertThat(revoke.statusCode()).isEqualTo(204);
        var afterwards = server.api().get("/admin/v1/tokens", "Authorization", "Token " + token);
        assertThat(afterwards.statusCode()).isEqualTo(401);
        assertThat(afterwards.json().get("code").asText()).isEqualTo("token_revoked");
    }

    @Test
    @Order(3)
    void tokens_of_one_tenant_are_invisible_and_unrevocable_from_another() {
        var token = createToken("acme", """
                {"name": "acme-only", "permissions": [{"action": "dataset:read"}]}
                """);
        var id = token.substring(4, 28);

        var foreignList = server.api().get("/admin/v1/tokens", admin("globex"));
        var foreignRevoke = server.api().method("DELETE", "/admin/v1/tokens/" + id, admin("globex"));
        var crossTenant = server.api().get("/admin/v1/tokens", "Authorization", "Token " + token, "X-Tenant-ID", "globex");

        assertThat(foreignList.body()).doesNotContain(id);
        assertThat(foreignRevoke.statusCode()).isEqualTo(404);
        assertThat(crossTenant.statusCode()).isEqualTo(403);
        assertThat(crossTenant.json().get("code").asText()).isEqualTo("tenant_mismatch");
    }

    @Test
    @Order(4)
    void bad_token_requests_are_400_with_a_pointer_for_each_problem_and_create_nothing() {
        var response = server.api().postJson("/admin/v1/tokens", """
                {"name": "", "permissions": [{"action": "token:manage"}, {"action": "dataset:read", "datasets": ["Bad Name"]}],
                 "expires_at": "tomorrow", "colour": "blue"}
                """, admin("acme"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.json().get("code").asText()).isEqualTo("invalid_request");
        var pointers = new ArrayList<String>();
        response.json().get("errors").forEach(e -> pointers.add(e.get("pointer").asText()));
        assertThat(pointers).containsExactlyInAnyOrder("/colour", "/name", "/permissions/0/action",
                "/permissions/1/datasets/0", "/expires_at");
        assertThat(server.api().get("/admin/v1/tokens", admin("acme")).body()).doesNotContain("\"name\":\"\"");
    }

    @Test
    @Order(5)
    void malformed_json_and_wrong_media_types_are_refused() {
        var duplicate = server.api().postJson("/admin/v1/tokens", """
                {"name": "a", "name": "b", "permissions": [{"action": "dataset:read"}]}
                """, admin("acme"));
        var notJson = server.api().post("/admin/v1/tokens", "name=a", headers(admin("acme"), new String[] {"Content-Type", "text/plain"}));

        assertThat(duplicate.statusCode()).isEqualTo(400);
        assertThat(notJson.statusCode()).isEqualTo(415);
        assertThat(notJson.json().get("code").asText()).isEqualTo("unsupported_media_type");
    }

    @Test
    @Order(6)
    void an_unknown_or_malformed_api_token_is_401() {
        var unknown = server.api().get("/admin/v1/tokens", "Authorization", "Token tsk_" + "0".repeat(24) + "_" + "A".repeat(43));
        var garbage = server.api().get("/admin/v1/tokens", "Authorization", "Token not-a-token");

        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(garbage.statusCode()).isEqualTo(401);
        assertThat(unknown.header("WWW-Authenticate")).contains("invalid_token");
    }

    @Test
    @Order(7)
    void using_a_token_records_its_last_use_without_a_write_per_request() throws SQLException {
        var token = createToken("acme", """
                {"name": "last-used", "permissions": [{"action": "dataset:read"}]}
                """);
        var id = token.substring(4, 28);
        countLastUseWrites(id);
        int requests = 10;
        for (int i = 0; i < requests; i++) {
            var response = server.api().get("/admin/v1/tokens", "Authorization", "Token " + token);
            assertThat(response.statusCode()).as(response.body()).isNotEqualTo(401);
        }

        Await.until("the batched last-use time is written", Duration.ofSeconds(20), () -> {
            var list = server.api().get("/admin/v1/tokens", admin("acme"));
            for (var item : list.json().get("items")) {
                if (item.get("id").asText().equals(id) && item.has("last_used_at")) {
                    return true;
                }
            }
            return false;
        });
        // The batcher writes the latest use once per flush; ten requests within one or two flush
        // intervals come to one or two row writes, never one per request.
        assertThat(lastUseWrites()).as("UPDATEs of api_tokens.last_used_at for %d requests", requests)
                .isBetween(1L, 2L);
    }

    /** A trigger, installed as superuser, counts every row write that changes the token's last use. */
    private static void countLastUseWrites(String tokenId) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.createStatement()) {
            statement.execute("CREATE TABLE test_last_use_writes (at timestamptz NOT NULL DEFAULT clock_timestamp())");
            statement.execute("""
                    CREATE FUNCTION test_count_last_use() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
                    BEGIN INSERT INTO test_last_use_writes DEFAULT VALUES; RETURN NEW; END $$""");
            statement.execute("""
                    CREATE TRIGGER test_count_last_use AFTER UPDATE OF last_used_at ON api_tokens FOR EACH ROW
                    WHEN (NEW.id = '%s' AND NEW.last_used_at IS DISTINCT FROM OLD.last_used_at)
                    EXECUTE FUNCTION test_count_last_use()""".formatted(tokenId.replace("'", "")));
        }
    }

    private static long lastUseWrites() throws SQLException {
        try (var superuser = server.postgres().superuser(server.database());
             var rows = superuser.createStatement().executeQuery("SELECT count(*) FROM test_last_use_writes")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Test
    @Order(8)
    void signing_key_secrets_are_stored_encrypted_and_bound_to_their_row() throws SQLException {
        var key = createSigningKey();

        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("SELECT secret FROM signing_keys WHERE id = ?")) {
            statement.setString(1, key.id());
            try (var rows = statement.executeQuery()) {
                rows.next();
                var stored = rows.getBytes(1);
                // version 2, the master key's id (length-prefixed), nonce, ciphertext, tag (docs/security.md "The master keys")
                assertThat(stored).hasSize(1 + 1 + 19 + 12 + 32 + 16);
                assertThat(stored[0]).as("format version").isEqualTo((byte) 2);
                assertThat(new String(stored, 2, stored[1], java.nio.charset.StandardCharsets.US_ASCII)).matches("mk_[0-9a-f]{16}");
                assertThat(java.util.HexFormat.of().formatHex(stored)).doesNotContain(java.util.HexFormat.of().formatHex(key.secret()));
            }
        }
    }

    @Test
    @Order(10)
    void a_signed_request_is_accepted_once_and_its_replay_refused() {
        var key = createSigningKey();
        var request = signed("GET", "/admin/v1/signing-keys", "", key, Map.of());

        var first = server.api().send(request);
        var replay = server.api().send(request);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).contains(key.id());
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.json().get("code").asText()).isEqualTo("replay");
        assertThat(audit.eventsFor(first.requestId())).singleElement()
                .satisfies(e -> assertThat(e.at("/actor/auth_method").asText()).isEqualTo("signed_request"));
    }

    @Test
    @Order(11)
    void signed_requests_with_altered_parts_stale_dates_or_unknown_keys_are_refused() {
        var key = createSigningKey();
        var altered = signedWithPathSentAs("/admin/v1/signing-keys", "/admin/v1/tokens", key);
        var stale = server.api().send(signed("GET", "/admin/v1/signing-keys", "", key,
                Map.of("x-ts-date", ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(6).format(DATE))));
        var unknown = server.api().send(signed("GET", "/admin/v1/signing-keys", "",
                new Key("hk_" + "0".repeat(24), key.secret()), Map.of()));
        var unsignedTenant = server.api().send(HttpRequest.newBuilder(server.api().base().resolve("/admin/v1/signing-keys"))
                .headers(signedHeaders("GET", "/admin/v1/signing-keys", "", key, Map.of()))
                .header("X-Tenant-ID", "acme").GET().build());

        assertThat(server.api().send(altered).json().get("code").asText()).isEqualTo("signature_invalid");
        assertThat(stale.json().get("code").asText()).isEqualTo("request_expired");
        assertThat(unknown.json().get("code").asText()).isEqualTo("key_unknown");
        assertThat(unsignedTenant.statusCode()).isEqualTo(401);
    }

    @Test
    @Order(20)
    void tenant_headers_that_are_repeated_malformed_or_name_an_unknown_tenant_are_refused() {
        var reader = server.tokens().user("acme", "reader");
        secretsUsed.add(reader);

        var repeated = server.api().get("/admin/v1/tokens", headers(bearer(reader), new String[] {"X-Tenant-ID", "acme", "X-Tenant-ID", "acme"}));
        var list = server.api().get("/admin/v1/tokens", headers(bearer(reader), new String[] {"X-Tenant-ID", "acme,globex"}));
        var malformed = server.api().get("/admin/v1/tokens", headers(bearer(reader), new String[] {"X-Tenant-ID", "ACME!"}));
        var unknownTenant = server.api().get("/admin/v1/tokens", bearer(server.tokens().user("nowhere", "tenant-admin")));

        assertThat(repeated.json().get("code").asText()).isEqualTo("tenant_ambiguous");
        assertThat(list.json().get("code").asText()).isEqualTo("tenant_ambiguous");
        assertThat(malformed.json().get("code").asText()).isEqualTo("tenant_malformed");
        assertThat(unknownTenant.statusCode()).isEqualTo(403);
        assertThat(unknownTenant.json().get("code").asText()).isEqualTo("tenant_forbidden");
    }

    @Test
    @Order(21)
    void a_disabled_tenants_credentials_stop_working_and_look_like_an_unknown_tenant() throws SQLException {
        var admin = admin("dormant");
        assertThat(server.api().get("/admin/v1/tokens", admin).statusCode()).isEqualTo(200);

        try (var superuser = server.postgres().superuser(server.database())) {
            superuser.createStatement().execute("UPDATE tenants SET status = 'disabled' WHERE id = 'dormant'");
        }

        Await.until("the disabled tenant is refused", Duration.ofSeconds(5),
                () -> server.api().get("/admin/v1/tokens", admin).statusCode() == 403);
        assertThat(server.api().get("/admin/v1/tokens", admin).json().get("code").asText()).isEqualTo("tenant_forbidden");
    }

    @Test
    @Order(22)
    void jwts_that_break_a_rule_are_401_with_the_rule_as_code() {
        var valid = server.tokens().user("acme", "tenant-admin");
        secretsUsed.add(valid);
        var parts = valid.split("\\.");
        var noneHeader = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());

        assertThat(code(server.api().get("/admin/v1/tokens", bearer(noneHeader + "." + parts[1] + ".")))).isEqualTo("algorithm_not_allowed");
        assertThat(code(server.api().get("/admin/v1/tokens", bearer(parts[0] + "." + parts[1] + ".")))).isEqualTo("signature_invalid");
        assertThat(code(server.api().get("/admin/v1/tokens", bearer(parts[0] + "." + parts[1] + "." + parts[2].substring(0, 20) + "AAAA" + parts[2].substring(24)))))
                .isEqualTo("signature_invalid");
        assertThat(code(server.api().get("/admin/v1/tokens", bearer("a".repeat(10 * 1024) + "." + parts[1] + "." + parts[2]))))
                .isEqualTo("token_too_large");
        var megabyte = server.api().get("/admin/v1/tokens", bearer("a".repeat(1024 * 1024)));
        assertThat(megabyte.statusCode()).isEqualTo(431);
        assertThat(megabyte.contentType()).isEqualTo("application/problem+json");
        assertThat(megabyte.json().get("code").asText()).isEqualTo("request_header_too_large");
        assertThat(server.api().get("/admin/v1/tokens", "Authorization", "Basic dXNlcjpwYXNz").statusCode()).isEqualTo(401);
    }

    @Test
    @Order(100)
    void no_secret_used_in_this_class_appears_in_any_log_line() {
        assertThat(secretsUsed).hasSizeGreaterThan(5);
        var lines = logs.lines();
        assertThat(lines).as("the server logged during this class").isNotEmpty();
        for (var secret : secretsUsed) {
            var fragment = secret.length() > 40 ? secret.substring(secret.length() - 30) : secret;
            assertThat(lines).noneSatisfy(line -> assertThat(line).contains(fragment));
        }
    }

    private static String code(ApiResponse response) {
        assertThat(response.statusCode()).isEqualTo(401);
        return response.json().get("code").asText();
    }

    private record Key(String id, byte[] secret) {}

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private static Key createSigningKey() {
        var response = server.api().postJson("/admin/v1/signing-keys", """
                {"name": "billing-service", "roles": ["tenant-admin"]}
                """, admin("acme"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        var secret = response.json().get("secret").asText();
        secretsUsed.add(secret);
        assertThat(secret).as("base64url of 32 bytes without padding, as docs/signed-requests.md says").matches("[A-Za-z0-9_-]{43}");
        return new Key(response.json().get("id").asText(), Base64.getUrlDecoder().decode(secret));
    }

    private static HttpRequest signed(String method, String path, String query, Key key, Map<String, String> overrides) {
        var uri = server.api().base().resolve(path + (query.isEmpty() ? "" : "?" + query));
        return HttpRequest.newBuilder(uri).headers(signedHeaders(method, path, query, key, overrides))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
    }

    private static HttpRequest signedWithPathSentAs(String signedPath, String sentPath, Key key) {
        return HttpRequest.newBuilder(server.api().base().resolve(sentPath))
                .headers(signedHeaders("GET", signedPath, "", key, Map.of())).GET().build();
    }

    private static String[] signedHeaders(String method, String path, String query, Key key, Map<String, String> overrides) {
        var headers = new LinkedHashMap<String, List<String>>();
        headers.put("host", List.of(server.api().base().getHost() + ":" + server.api().base().getPort()));
        headers.put("x-ts-date", List.of(overrides.getOrDefault("x-ts-date", ZonedDateTime.now(ZoneOffset.UTC).format(DATE))));
        headers.put("x-ts-nonce", List.of(HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes()).substring(0, 32)));
        var input = new SignedRequestInput(method, path, query, headers, SignedRequestInput.sha256Hex(new byte[0]));
        var authorization = SignedRequestSigner.authorization(input, key.id(), key.secret(), List.of());
        return new String[] {"X-TS-Date", headers.get("x-ts-date").getFirst(), "X-TS-Nonce",
                headers.get("x-ts-nonce").getFirst(), "Authorization", authorization};
    }
}
