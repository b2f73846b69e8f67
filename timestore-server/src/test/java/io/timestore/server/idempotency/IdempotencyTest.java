package io.timestore.server.idempotency;

import static io.timestore.server.testing.Api.headers;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.security.AuthMethod;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.http.Conflict;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** G5: a retried mutation with the same Idempotency-Key is applied once and audited once. */
class IdempotencyTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;
    private static final String BODY = """
            {"name": "nightly", "permissions": [{"action": "dataset:read"}]}
            """;

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
        audit = new AuditLog(server);
    }

    private static String[] admin(String key) {
        return headers(bearer(server.tokens().user("acme", "tenant-admin")), new String[] {"Idempotency-Key", key});
    }

    private static long tokensNamed(String name) {
        var list = server.api().get("/admin/v1/tokens?limit=1000", bearer(server.tokens().user("acme", "tenant-admin")));
        long count = 0;
        for (var token : list.json().get("items")) {
            if (token.get("name").asText().equals(name)) {
                count++;
            }
        }
        return count;
    }

    @Test
    void a_retry_replays_the_original_response_without_applying_it_again_or_a_second_event() {
        var first = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "retry-me"), admin("key-1"));
        var retry = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "retry-me"), admin("key-1"));

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(retry.header("Location")).isEqualTo(first.header("Location"));
        assertThat(retry.json().has("token")).as("the secret is never stored, so never replayed").isFalse();
        assertThat(tokensNamed("retry-me")).isEqualTo(1);
        assertThat(audit.eventsFor(first.requestId())).hasSize(1);
        assertThat(audit.eventsFor(retry.requestId())).isEmpty();
    }

    @Test
    void the_same_key_for_a_different_request_is_422() {
        server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "first-use"), admin("key-2"));

        var reused = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "other-use"), admin("key-2"));

        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(reused.json().get("code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(tokensNamed("other-use")).isZero();
    }

    @Test
    void keys_are_scoped_to_the_principal() {
        var alice = headers(bearer(server.tokens().user("acme", "tenant-admin")), new String[] {"Idempotency-Key", "shared"});
        var bob = headers(bearer(server.tokens().user("acme", "tenant-admin", "auditor")),
                new String[] {"Idempotency-Key", "shared"});

        var a = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "scoped"), alice);
        var b = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "scoped"), bob);

        assertThat(a.statusCode()).isEqualTo(201);
        assertThat(b.statusCode()).isEqualTo(201);
        assertThat(b.header("Idempotent-Replayed")).isNull();
        assertThat(tokensNamed("scoped")).isEqualTo(2);
    }

    @Test
    void a_first_attempt_that_failed_with_503_releases_its_key_so_the_retry_runs() throws SQLException {
        revokeAuditInserts(true);
        try {
            var failed = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "after-outage"), admin("key-3"));
            assertThat(failed.statusCode()).isEqualTo(503);
        } finally {
            revokeAuditInserts(false);
        }
        var retry = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "after-outage"), admin("key-3"));

        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isNull();
        assertThat(tokensNamed("after-outage")).isEqualTo(1);
    }

    @Test
    void a_key_still_in_flight_is_409_and_malformed_keys_are_400() {
        var keys = new IdempotencyKeys(server.timestore().database().transactions(), new ObjectMapper(), InstantSource.system());
        var security = new SecurityContext(new Principal("carol", PrincipalKind.USER, Optional.of(new TenantId("acme")),
                Set.of("tenant-admin"), Set.of(), Set.of(), AuthMethod.JWT, List.of()), new TenantId("acme"), "r1", "t1", false,
                Optional.empty());
        var fingerprint = new byte[32];

        assertThat(keys.claim(security, "in-flight", fingerprint)).isInstanceOf(IdempotencyKeys.Claim.Fresh.class);
        assertThatThrownBy(() -> keys.claim(security, "in-flight", fingerprint))
                .isInstanceOf(Conflict.class).hasMessageContaining("still running");

        var malformed = server.api().postJson("/admin/v1/tokens", BODY, admin("has space"));
        assertThat(malformed.statusCode()).isEqualTo(400);
    }

    private static void revokeAuditInserts(boolean revoke) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database()); var statement = superuser.createStatement()) {
            statement.execute((revoke ? "REVOKE" : "GRANT") + " INSERT ON audit_events " + (revoke ? "FROM" : "TO") + " timestore_app");
        }
    }
}
