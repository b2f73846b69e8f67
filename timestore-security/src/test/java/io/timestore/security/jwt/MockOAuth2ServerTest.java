package io.timestore.security.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.timestore.security.AuthMethod;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.Principal;
import io.timestore.security.TenantId;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/**
 * A real OIDC provider (mock-oauth2-server) in the test JVM: Timestore knows only its issuer URL
 * and JWKS URL, and keeps accepting its tokens after it rotates its signing key.
 *
 * <p>mock-oauth2-server 6.0.2 has no rotation API: its {@link KeyProvider} hands out one key per
 * issuer for the server's life. Its {@code signingKey(issuerId)} is the single source of both
 * the signing key and the published JWKS, so {@link RotatingKeys} overrides it to switch keys
 * (a hard rotation: the old key disappears from the JWKS at once).
 */
class MockOAuth2ServerTest {
    private static final String ISSUER_ID = "timestore";
    private static final String AUDIENCE = "timestore-api";

    /** A key provider whose key can be replaced while the server runs. */
    static final class RotatingKeys extends KeyProvider {
        private volatile JWK current;

        RotatingKeys() {
            super(List.of(), "RS256");
            rotate("key-1");
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

    private final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);
    private final RotatingKeys keys = new RotatingKeys();
    private MockOAuth2Server idp;
    private JwtVerifier verifier;

    @BeforeEach
    void start() {
        // The provider stamps iat/exp from the same clock the verifier reads, so moving the test
        // clock past the refetch rate limit keeps issued tokens fresh.
        var tokenProvider = new OAuth2TokenProvider(keys, clock::instant);
        idp = new MockOAuth2Server(new OAuth2Config(false, null, null, false, tokenProvider));
        idp.start();
        String issuer = idp.issuerUrl(ISSUER_ID).toString();
        URI jwks = idp.jwksUrl(ISSUER_ID).uri();
        verifier = new JwtVerifier(
                JwtSettings.defaults(List.of(new TrustedIssuer(issuer, KeySource.Jwks.of(jwks))), AUDIENCE), clock);
    }

    @AfterEach
    void stop() {
        idp.shutdown();
    }

    private String issue(String subject, Map<String, Object> claims) {
        return idp.issueToken(ISSUER_ID, subject, AUDIENCE, claims, 300).serialize();
    }

    @Test
    void token_issued_by_the_provider_is_accepted_with_its_tenant_and_roles() {
        Principal principal = verifier.verify(issue("alice", Map.of("tenant_id", "acme", "roles", List.of("writer"))));

        assertThat(principal.subject()).isEqualTo("alice");
        assertThat(principal.tenantClaim()).contains(new TenantId("acme"));
        assertThat(principal.roles()).containsExactly("writer");
        assertThat(principal.authMethod()).isEqualTo(AuthMethod.JWT);
    }

    @Test
    void provider_token_for_another_audience_is_refused() {
        String token = idp.issueToken(ISSUER_ID, "alice", "other-api", Map.of("tenant_id", "acme"), 300).serialize();

        var failure = assertThrows(AuthenticationFailure.class, () -> verifier.verify(token));

        assertThat(failure.reason()).isEqualTo(Reason.AUDIENCE_MISMATCH);
    }

    @Test
    void provider_token_living_an_hour_is_refused_for_a_user() {
        String token = idp.issueToken(ISSUER_ID, "alice", AUDIENCE, Map.of("tenant_id", "acme"), 3600).serialize();

        var failure = assertThrows(AuthenticationFailure.class, () -> verifier.verify(token));

        assertThat(failure.reason()).isEqualTo(Reason.TOKEN_LIFETIME_EXCEEDED);
    }

    @Test
    void tokens_keep_being_accepted_after_the_provider_rotates_its_key() {
        assertThat(verifier.verify(issue("alice", Map.of("tenant_id", "acme"))).subject()).isEqualTo("alice");

        keys.rotate("key-2");
        clock.add(Duration.ofSeconds(31));
        String afterRotation = issue("bob", Map.of("tenant_id", "acme"));

        assertThat(verifier.verify(afterRotation).subject()).isEqualTo("bob");
    }
}
