package io.timestore.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.testing.TimestoreServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** `timestore token` mints development JWTs the server accepts, and prints nothing else. */
class TokenCommandTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    @TempDir
    Path elsewhere;

    @BeforeAll
    static void tenant() {
        server.tenant("acme");
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run run(Map<String, String> env, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void a_minted_token_is_the_only_stdout_line_and_the_running_server_accepts_it() {
        var result = run(Map.of("TIMESTORE_DEV_ISSUER", "on", "TIMESTORE_DATA_DIR", server.dataDir().toString()),
                "token", "--sub", "alice", "--tenant", "acme", "--roles", "tenant-admin", "--ttl", "5m");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out().lines()).singleElement().asString().matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        var response = server.api().get("/admin/v1/tokens", "Authorization", "Bearer " + result.out().strip());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void the_dev_issuer_is_refused_where_it_is_off() {
        var result = run(Map.of("TIMESTORE_DB_URL", "jdbc:postgresql://db.invalid:5432/timestore"),
                "token", "--data-dir", elsewhere.toString(), "--sub", "alice", "--tenant", "acme");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains("auth.dev-issuer");
    }

    @Test
    void a_lifetime_over_fifteen_minutes_or_a_bad_tenant_is_refused() {
        var env = Map.of("TIMESTORE_DEV_ISSUER", "on");
        var tooLong = run(env, "token", "--data-dir", elsewhere.toString(), "--sub", "a", "--tenant", "acme", "--ttl", "16m");
        var badTenant = run(env, "token", "--data-dir", elsewhere.toString(), "--sub", "a", "--tenant", "Acme!");

        assertThat(tooLong.exitCode()).as(tooLong.err()).isEqualTo(2);
        assertThat(tooLong.err()).contains("--ttl");
        assertThat(badTenant.exitCode()).as(badTenant.err()).isEqualTo(2);
        assertThat(badTenant.err()).contains("--tenant");
    }

    private static Map<String, String> onServer() {
        return Map.of("TIMESTORE_DEV_ISSUER", "on", "TIMESTORE_DATA_DIR", server.dataDir().toString());
    }

    private static long lifetimeSeconds(String jwt) {
        JsonNode claims;
        try {
            claims = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(jwt.strip().split("\\.")[1]));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return claims.get("exp").asLong() - claims.get("iat").asLong();
    }

    @Test
    void ttl_takes_the_one_duration_syntax_and_a_refusal_states_the_actual_rule() {
        var hour = run(onServer(), "token", "--sub", "a", "--tenant", "acme", "--ttl", "1h");
        var notOne = run(onServer(), "token", "--sub", "a", "--tenant", "acme", "--ttl", "10 minutes");
        var zero = run(onServer(), "token", "--sub", "a", "--tenant", "acme", "--ttl", "0s");
        var iso = run(onServer(), "token", "--sub", "a", "--tenant", "acme", "--ttl", "PT10M");
        var seconds = run(onServer(), "token", "--sub", "a", "--tenant", "acme", "--ttl", "900s");

        assertThat(hour.exitCode()).isEqualTo(2);
        assertThat(hour.err()).contains("--ttl: 1h exceeds the maximum 15m for user tokens").doesNotContain("must look like");
        assertThat(notOne.exitCode()).isEqualTo(2);
        assertThat(notOne.err()).contains("--ttl: '10 minutes' is not a duration", "ns, us, ms, s, m, h, d, w");
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("--ttl: 0s is below the minimum 1s");
        assertThat(iso.exitCode()).as(iso.err()).isZero();
        assertThat(lifetimeSeconds(iso.out())).isEqualTo(600);
        assertThat(seconds.exitCode()).as(seconds.err()).isZero();
        assertThat(lifetimeSeconds(seconds.out())).isEqualTo(900);
    }

    @Test
    void a_lower_configured_user_token_lifetime_is_the_maximum_and_the_default() throws Exception {
        var config = elsewhere.resolve("timestore.yaml");
        Files.writeString(config, "auth:\n  user-max-lifetime: 5m\n");

        var tooLong = run(onServer(), "token", "--config", config.toString(), "--sub", "a", "--tenant", "acme", "--ttl", "10m");
        var byDefault = run(onServer(), "token", "--config", config.toString(), "--sub", "a", "--tenant", "acme");

        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.err()).contains("--ttl: 10m exceeds the maximum 5m for user tokens (auth.user-max-lifetime)");
        assertThat(byDefault.exitCode()).as(byDefault.err()).isZero();
        assertThat(lifetimeSeconds(byDefault.out())).isEqualTo(300);
    }
}
