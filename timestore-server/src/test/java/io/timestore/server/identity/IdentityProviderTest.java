package io.timestore.server.identity;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.timestore.security.jwt.KeySource;
import io.timestore.security.jwt.TrustedIssuer;
import io.timestore.server.config.AuthSettings;
import io.timestore.server.testing.TimestoreServer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.threeten.extra.MutableClock;

/**
 * A real OIDC provider (mock-oauth2-server) in the test JVM as Timestore's only issuer: the server
 * is configured with nothing but its issuer URL and JWKS URL, accepts its tokens over HTTP, and
 * keeps accepting them after the provider rotates its signing key.
 */
class IdentityProviderTest {
    private static final String ISSUER_ID = "corp";
    private static final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);
    private static final RotatingKeys keys = new RotatingKeys();
    private static final MockOAuth2Server idp = startProvider();

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock).with(settings -> settings.withAuth(
            settings.auth().withDevIssuer(AuthSettings.DevIssuer.OFF).withIssuers(List.of(new TrustedIssuer(
                    idp.issuerUrl(ISSUER_ID).toString(), KeySource.Jwks.of(idp.jwksUrl(ISSUER_ID).uri()))))));

    /** mock-oauth2-server has no rotation API; its key provider is the one source of signing key and JWKS. */
    static final class RotatingKeys extends KeyProvider {
        private volatile JWK current;

        RotatingKeys() {
            super(List.of(), "RS256");
            rotate("corp-key-1");
        }

        void rotate(String kid) {
            try {
                current = new RSAKeyGenerator(2048).keyID(kid).generate();
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public JWK signingKey(String issuerId) {
            return current;
        }
    }

    private static MockOAuth2Server startProvider() {
        var provider = new MockOAuth2Server(new OAuth2Config(false, null, null, false, new OAuth2TokenProvider(keys, clock::instant)));
        provider.start();
        return provider;
    }

    @BeforeAll
    static void tenant() {
        server.tenant("acme");
    }

    @AfterAll
    static void stopProvider() {
        idp.shutdown();
    }

    private static String issue(String subject, List<String> roles) {
        return issue(subject, roles, 300);
    }

    private static String issue(String subject, List<String> roles, long lifetimeSeconds) {
        return idp.issueToken(ISSUER_ID, subject, "timestore", Map.of("tenant_id", "acme", "roles", roles), lifetimeSeconds).serialize();
    }

    @Test
    void tokens_of_the_provider_are_accepted_and_keep_working_after_it_rotates_its_key() {
        var before = server.api().get("/admin/v1/tokens", bearer(issue("alice", List.of("tenant-admin"))));
        assertThat(before.statusCode()).as(before.body()).isEqualTo(200);

        keys.rotate("corp-key-2");
        clock.add(Duration.ofSeconds(31));
        var after = server.api().get("/admin/v1/tokens", bearer(issue("bob", List.of("tenant-admin"))));

        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
    }

    @Test
    void a_key_the_provider_removed_is_refused_once_the_cached_key_set_expires() {
        var warm = server.api().get("/admin/v1/tokens", bearer(issue("erin", List.of("tenant-admin"))));
        assertThat(warm.statusCode()).as(warm.body()).isEqualTo(200);
        // Ten minutes of life: still valid after the five-minute JWKS refresh interval below.
        String beforeRemoval = issue("frank", List.of("tenant-admin"), 600);
        String afterRemoval = issue("grace", List.of("tenant-admin"), 600);

        keys.rotate("corp-key-removal-" + System.nanoTime());
        var withinCache = server.api().get("/admin/v1/tokens", bearer(beforeRemoval));
        clock.add(KeySource.Jwks.of(idp.jwksUrl(ISSUER_ID).uri()).refreshInterval().plusSeconds(1));
        var afterExpiry = server.api().get("/admin/v1/tokens", bearer(afterRemoval));

        assertThat(withinCache.statusCode()).as("the cached key set still holds the old key").isEqualTo(200);
        assertThat(afterExpiry.statusCode()).as(afterExpiry.body()).isEqualTo(401);
        assertThat(afterExpiry.json().get("code").asText()).isEqualTo("key_unknown");
    }

    @Test
    void the_provider_identity_reaches_the_audit_trail_and_roles_decide() {
        var reader = server.api().get("/admin/v1/tokens", bearer(issue("carol", List.of("reader"))));

        assertThat(reader.statusCode()).isEqualTo(403);
        assertThat(reader.json().get("missing_role").asText()).isEqualTo("tenant-admin");
    }

    @Test
    void a_token_of_another_issuer_is_refused_even_with_the_same_claims() {
        var other = new MockOAuth2Server();
        other.start();
        try {
            var foreign = other.issueToken(ISSUER_ID, "mallory", "timestore", Map.of("tenant_id", "acme"), 300).serialize();
            var response = server.api().get("/admin/v1/tokens", bearer(foreign));
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.json().get("code").asText()).isEqualTo("issuer_untrusted");
        } finally {
            other.shutdown();
        }
    }
}
