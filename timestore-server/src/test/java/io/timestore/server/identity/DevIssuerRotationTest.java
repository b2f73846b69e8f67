package io.timestore.server.identity;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.timestore.server.cli.Main;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.threeten.extra.MutableClock;

/**
 * Rotating the development issuer's key on a running server ({@code timestore keys
 * rotate-dev-issuer-key}): new tokens are signed with the new key without a restart, tokens minted
 * before the rotation keep working for the grace period (the longest a token of this issuer
 * lives), and after it the old key is retired: a token it signs is refused with key_unknown.
 */
class DevIssuerRotationTest {
    private static final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock);

    @BeforeAll
    static void tenant() {
        server.tenant("acme");
    }

    /** A token as the development issuer mints it, signed by {@code key}. */
    private static String signedBy(ECKey key) throws Exception {
        var now = clock.instant();
        var claims = new JWTClaimsSet.Builder().issuer(DevIssuer.ISSUER).audience("timestore").subject("old-key-holder")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .claim("tenant_id", "acme").claim("roles", List.of("tenant-admin")).build();
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static int status(String token) {
        return server.api().get("/admin/v1/tokens", bearer(token)).statusCode();
    }

    @Test
    void a_rotated_issuer_key_signs_new_tokens_while_old_tokens_work_until_the_grace_period_ends() throws Exception {
        var issuer = server.timestore().devIssuer().orElseThrow();
        var keyFile = DevIssuer.keyFile(new KeyFiles(server.dataDir()));
        var oldKey = ECKey.parse(Files.readString(keyFile));
        String mintedBefore = server.tokens().user("acme", "tenant-admin");

        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"keys", "rotate-dev-issuer-key", "--data-dir", server.dataDir().toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"previous_key_id\":\"" + oldKey.getKeyID() + "\"");
        Await.until("the server signs with the rotated key", Duration.ofSeconds(30), () -> !issuer.keyId().equals(oldKey.getKeyID()));
        String mintedAfter = server.tokens().user("acme", "tenant-admin");

        assertThat(status(mintedBefore)).as("a token minted before the rotation").isEqualTo(200);
        assertThat(status(mintedAfter)).as("a token signed by the new key").isEqualTo(200);
        assertThat(status(signedBy(oldKey))).as("the old key is trusted during the grace period").isEqualTo(200);

        clock.add(DevIssuer.MAX_TTL.plusSeconds(1));
        var retired = server.api().get("/admin/v1/tokens", bearer(signedBy(oldKey)));

        assertThat(retired.statusCode()).as(retired.body()).isEqualTo(401);
        assertThat(retired.json().get("code").asText()).isEqualTo("key_unknown");
        assertThat(status(server.tokens().user("acme", "tenant-admin"))).isEqualTo(200);
    }
}
