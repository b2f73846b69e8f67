package io.timestore.security.jwt;

import static io.timestore.security.jwt.TestJwts.AUDIENCE;
import static io.timestore.security.jwt.TestJwts.ISSUER;
import static io.timestore.security.jwt.TestJwts.claims;
import static io.timestore.security.jwt.TestJwts.header;
import static io.timestore.security.jwt.TestJwts.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/** JWKS fetching against a real HTTP server on 127.0.0.1 that counts the fetches. */
class RemoteJwksTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private final TestJwts jwts = new TestJwts();
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<String> document = new AtomicReference<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
    private HttpServer server;
    private JwtVerifier verifier;

    @BeforeEach
    void start() throws IOException {
        document.set(jwts.publicJwks());
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] body = document.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
        var source = new KeySource.Jwks(url, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(2));
        verifier = new JwtVerifier(JwtSettings.defaults(List.of(new TrustedIssuer(ISSUER, source)), AUDIENCE), clock);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String token(String sub) {
        var claims = claims(clock.instant());
        claims.put("sub", sub);
        return jwts.rs256(claims);
    }

    private String tokenWithKid(String kid) {
        return jwts.sign(header("RS256", kid), json(claims(clock.instant())), jwts.rsa);
    }

    @Test
    void keys_are_fetched_once_and_reused_for_later_tokens() {
        verifier.verify(token("alice"));
        verifier.verify(token("bob"));
        verifier.verify(jwts.sign(header("ES256", "ec-1"), json(claims(NOW)), jwts.ec));

        assertThat(fetches).hasValue(1);
    }

    @Test
    void unknown_kid_refetches_at_most_once_per_30_seconds() {
        verifier.verify(token("alice"));

        for (int i = 0; i < 20; i++) {
            var failure = assertThrows(AuthenticationFailure.class, () -> verifier.verify(tokenWithKid("made-up")));
            assertThat(failure.reason()).isEqualTo(Reason.KEY_UNKNOWN);
        }
        assertThat(fetches).as("the first unknown kid comes within 30 s of the initial fetch").hasValue(1);

        clock.add(Duration.ofSeconds(30));
        for (int i = 0; i < 20; i++) {
            assertThrows(AuthenticationFailure.class, () -> verifier.verify(tokenWithKid("made-up-" + clock.instant())));
        }
        assertThat(fetches).hasValue(2);

        clock.add(Duration.ofSeconds(29));
        assertThrows(AuthenticationFailure.class, () -> verifier.verify(tokenWithKid("another")));
        assertThat(fetches).hasValue(2);
    }

    @Test
    void rotated_key_is_picked_up_by_the_first_refetch_the_rate_limit_allows() throws Exception {
        verifier.verify(token("alice"));
        ECKey rotated = new ECKeyGenerator(Curve.P_256).keyID("ec-2").generate();
        document.set(new JWKSet(List.of(jwts.rsa.toPublicJWK(), rotated.toPublicJWK())).toString());
        String newToken = jwts.sign(header("ES256", "ec-2"), json(claims(NOW)), rotated);

        var tooSoon = assertThrows(AuthenticationFailure.class, () -> verifier.verify(newToken));
        clock.add(Duration.ofSeconds(31));

        assertThat(tooSoon.reason()).isEqualTo(Reason.KEY_UNKNOWN);
        assertThat(verifier.verify(newToken).subject()).isEqualTo("alice");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void cached_keys_keep_working_when_a_refresh_fails() {
        verifier.verify(token("alice"));
        status.set(500);
        clock.add(Duration.ofMinutes(6));

        assertThat(verifier.verify(token("bob")).subject()).isEqualTo("bob");
        assertThat(fetches).hasValue(2);
    }

    @Test
    void unreachable_jwks_without_cached_keys_is_key_source_unavailable_and_not_hammered() {
        status.set(503);

        var first = assertThrows(AuthenticationFailure.class, () -> verifier.verify(token("alice")));
        var second = assertThrows(AuthenticationFailure.class, () -> verifier.verify(token("bob")));

        assertThat(first.reason()).isEqualTo(Reason.KEY_SOURCE_UNAVAILABLE);
        assertThat(first.httpStatus()).isEqualTo(503);
        assertThat(second.reason()).isEqualTo(Reason.KEY_SOURCE_UNAVAILABLE);
        assertThat(fetches).hasValue(1);
    }
}
