package io.timestore.server.identity;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.signed.SignedRequestInput;
import io.timestore.security.signed.SignedRequestSigner;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.threeten.extra.MutableClock;

/**
 * API tokens and signing keys follow one lifetime rule (docs/authorization.md, "Credential
 * lifetime"): the same {@code expires_at} checks at creation, and refused with
 * {@code token_expired} from their expiry on.
 */
class CredentialExpiryTest {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final MutableClock clock = MutableClock.of(Instant.now().truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock);

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
    }

    private static String[] admin() {
        return bearer(server.tokens().user("acme", "tenant-admin"));
    }

    @Test
    void both_kinds_refuse_the_same_expires_at_with_the_same_pointer_and_message() {
        var past = clock.instant().minus(Duration.ofMinutes(1));
        var tooFar = clock.instant().plus(Duration.ofDays(400));
        for (var expiresAt : List.of(past, tooFar)) {
            var token = server.api().postJson("/admin/v1/tokens", """
                    {"name": "t", "permissions": [{"action": "dataset:read"}], "expires_at": "%s"}
                    """.formatted(expiresAt), admin());
            var key = server.api().postJson("/admin/v1/signing-keys", """
                    {"name": "k", "roles": ["tenant-admin"], "expires_at": "%s"}
                    """.formatted(expiresAt), admin());

            assertThat(token.statusCode()).isEqualTo(400);
            assertThat(key.statusCode()).isEqualTo(400);
            assertThat(key.json().get("errors")).isEqualTo(token.json().get("errors"));
        }
        var token = server.api().postJson("/admin/v1/tokens", """
                {"name": "t", "permissions": [{"action": "dataset:read"}], "expires_at": "%s"}
                """.formatted(past), admin());
        assertThat(token.json().get("errors").get(0).get("detail").asText()).isEqualTo("must be in the future");
    }

    @Test
    void an_expired_token_and_an_expired_signing_key_are_both_refused_as_token_expired() {
        var expiresAt = clock.instant().plus(Duration.ofHours(1));
        var created = server.api().postJson("/admin/v1/tokens", """
                {"name": "short-lived", "permissions": [{"action": "dataset:read"}], "expires_at": "%s"}
                """.formatted(expiresAt), admin());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var token = created.json().get("token").asText();
        var key = server.api().postJson("/admin/v1/signing-keys", """
                {"name": "short-lived", "roles": ["tenant-admin"], "expires_at": "%s"}
                """.formatted(expiresAt), admin());
        assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
        var keyId = key.json().get("id").asText();
        var secret = Base64.getUrlDecoder().decode(key.json().get("secret").asText());
        assertThat(server.api().send(signed(keyId, secret)).statusCode()).isEqualTo(200);

        clock.add(Duration.ofHours(1));
        var tokenUse = server.api().get("/storage/v1/datasets", bearer(token));
        var keyUse = server.api().send(signed(keyId, secret));

        assertThat(tokenUse.statusCode()).isEqualTo(401);
        assertThat(tokenUse.json().get("code").asText()).isEqualTo("token_expired");
        assertThat(keyUse.statusCode()).isEqualTo(401);
        assertThat(keyUse.json().get("code").asText()).isEqualTo("token_expired");
    }

    /** A signed GET of the signing-key list, dated by the server's clock. */
    private static HttpRequest signed(String keyId, byte[] secret) {
        var path = "/admin/v1/signing-keys";
        var headers = new LinkedHashMap<String, List<String>>();
        headers.put("host", List.of(server.api().base().getHost() + ":" + server.api().base().getPort()));
        headers.put("x-ts-date", List.of(DATE.format(clock.instant())));
        headers.put("x-ts-nonce", List.of(UUID.randomUUID().toString().replace("-", "")));
        var input = new SignedRequestInput("GET", path, "", headers, SignedRequestInput.sha256Hex(new byte[0]));
        var authorization = SignedRequestSigner.authorization(input, keyId, secret, List.of());
        var sent = new ArrayList<String>(List.of("X-TS-Date", headers.get("x-ts-date").getFirst(),
                "X-TS-Nonce", headers.get("x-ts-nonce").getFirst(), "Authorization", authorization));
        return HttpRequest.newBuilder(server.api().base().resolve(path)).headers(sent.toArray(String[]::new)).GET().build();
    }
}
