package io.timestore.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        var file = dir.resolve("timestore.yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void defaults_listen_on_loopback_8080_with_embedded_database_under_data() {
        var settings = SettingsLoader.load(Map.of(), Optional.empty(), Map.of());

        assertThat(settings.http().host()).isEqualTo("127.0.0.1");
        assertThat(settings.http().port()).isEqualTo(8080);
        assertThat(settings.dataDir()).isEqualTo(Path.of("data"));
        assertThat(settings.database().embedded()).isTrue();
        assertThat(settings.database().runtimeUser()).isEqualTo("timestore_app");
        assertThat(settings.logFormat()).isEqualTo(LogFormat.JSON);
    }

    @Test
    void pools_that_could_open_more_connections_than_the_embedded_database_allows_stop_startup_naming_the_setting() {
        // 200 allowed, 20 kept spare: up to 180 for the two pools and the instance's 4 more.
        assertThat(SettingsLoader.load(Map.of("database.pool-size", "170"), Optional.empty(), Map.of())
                .database().poolSize()).as("170 + 6 + 4 = 180").isEqualTo(170);

        assertThatThrownBy(() -> SettingsLoader.load(Map.of("database.pool-size", "171"), Optional.empty(), Map.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("database.pool-size")
                .hasMessageContaining("171 (with audit.delivery.pool-size 6) needs up to 181 connections")
                .hasMessageContaining("external PostgreSQL");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("audit.delivery.pool-size", "170"), Optional.empty(), Map.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("16 (with audit.delivery.pool-size 170) needs up to 190 connections");
        var external = SettingsLoader.load(Map.of("database.pool-size", "900", "database.url", "jdbc:postgresql://db.internal:5432/timestore"),
                Optional.empty(), Map.of());
        assertThat(external.database().poolSize()).as("an external database's max_connections is its operator's").isEqualTo(900);
    }

    @Test
    void flag_beats_environment_beats_file_beats_default() throws IOException {
        var file = yaml("""
                server:
                  host: 0.0.0.0
                  port: 7000
                data-dir: /from/file
                log:
                  format: text
                """);

        var fileOnly = SettingsLoader.load(Map.of(), Optional.of(file), Map.of());
        var envOverFile = SettingsLoader.load(Map.of(), Optional.of(file), Map.of("TIMESTORE_PORT", "7100"));
        var flagOverEnv = SettingsLoader.load(Map.of("server.port", "7200"), Optional.of(file), Map.of("TIMESTORE_PORT", "7100"));

        assertThat(fileOnly.http().port()).isEqualTo(7000);
        assertThat(fileOnly.http().host()).isEqualTo("0.0.0.0");
        assertThat(fileOnly.dataDir()).isEqualTo(Path.of("/from/file"));
        assertThat(fileOnly.logFormat()).isEqualTo(LogFormat.TEXT);
        assertThat(envOverFile.http().port()).isEqualTo(7100);
        assertThat(flagOverEnv.http().port()).isEqualTo(7200);
    }

    @Test
    void every_documented_environment_variable_is_read() {
        var settings = SettingsLoader.load(Map.of(), Optional.empty(), Map.of(
                "TIMESTORE_HOST", "localhost",
                "TIMESTORE_PORT", "0",
                "TIMESTORE_DATA_DIR", "/var/lib/timestore",
                "TIMESTORE_DB_URL", "jdbc:postgresql://db.internal:5432/timestore",
                "TIMESTORE_DB_USER", "ts_owner",
                "TIMESTORE_DB_PASSWORD", "owner-secret"));

        assertThat(settings.http().host()).isEqualTo("localhost");
        assertThat(settings.http().port()).isZero();
        assertThat(settings.dataDir()).isEqualTo(Path.of("/var/lib/timestore"));
        assertThat(settings.database().url()).contains("jdbc:postgresql://db.internal:5432/timestore");
        assertThat(settings.database().ownerUser()).isEqualTo("ts_owner");
        assertThat(settings.database().ownerPassword().reveal()).contains("owner-secret");
        assertThat(settings.database().embedded()).isFalse();
    }

    @Test
    void the_console_client_id_goes_with_an_issuer_and_is_off_by_default() {
        assertThat(SettingsLoader.load(Map.of(), Optional.empty(), Map.of()).auth().consoleClientId()).isEmpty();
        var configured = SettingsLoader.load(Map.of(), Optional.empty(), Map.of(
                "TIMESTORE_JWT_ISSUER", "https://idp.example.com/realms/acme",
                "TIMESTORE_JWT_JWKS_URL", "https://idp.example.com/realms/acme/certs",
                "TIMESTORE_CONSOLE_CLIENT_ID", "timestore-console"));
        assertThat(configured.auth().consoleClientId()).contains("timestore-console");

        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_CONSOLE_CLIENT_ID", "timestore-console")))
                .isInstanceOf(InvalidSettings.class).hasMessageContaining("auth.console-client-id");
    }

    @Test
    void the_config_file_can_be_named_by_environment() throws IOException {
        var file = yaml("server:\n  port: 9999\n");

        var settings = SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_CONFIG", file.toString()));

        assertThat(settings.http().port()).isEqualTo(9999);
    }

    @Test
    void durations_accept_short_and_iso_forms() throws IOException {
        assertThat(SettingsLoader.load(Map.of(), Optional.of(yaml("server:\n  shutdown-timeout: 1500ms\n")), Map.of())
                .http().shutdownTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(SettingsLoader.load(Map.of(), Optional.of(yaml("server:\n  shutdown-timeout: PT2M\n")), Map.of())
                .http().shutdownTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void every_duration_setting_takes_the_one_syntax_from_file_and_environment() throws IOException {
        var weeks = SettingsLoader.load(Map.of(), Optional.of(yaml("audit:\n  retention-interval: 1w\n")), Map.of());
        var micros = SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_SHUTDOWN_TIMEOUT", "2500000us"));
        var hours = SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_SHUTDOWN_TIMEOUT", "1h"));

        assertThat(weeks.audit().retentionInterval()).isEqualTo(Duration.ofDays(7));
        assertThat(micros.http().shutdownTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(hours.http().shutdownTimeout()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void a_value_that_is_no_duration_is_refused_with_the_syntax_and_a_non_positive_one_with_the_rule() {
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_SHUTDOWN_TIMEOUT", "5 minutes")))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("server.shutdown-timeout")
                .hasMessageContaining("'5 minutes'")
                .hasMessageContaining("is not a duration")
                .hasMessageContaining("ns, us, ms, s, m, h, d, w");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_SHUTDOWN_TIMEOUT", "0s")))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("server.shutdown-timeout")
                .hasMessageContaining("must be a positive duration");
    }

    @Test
    void cors_is_off_by_default_and_takes_exact_origins_only() throws IOException {
        assertThat(SettingsLoader.load(Map.of(), Optional.empty(), Map.of()).http().cors().enabled()).isFalse();
        var cors = SettingsLoader.load(Map.of(), Optional.of(yaml("""
                server:
                  cors:
                    allowed-origins: ["https://Grafana.example.com", "http://localhost:3000"]
                """)), Map.of()).http().cors();
        assertThat(cors.allowedOrigins()).containsExactly("https://grafana.example.com", "http://localhost:3000");
        assertThat(cors.allows("https://grafana.example.com")).isTrue();
        assertThat(cors.allows("https://grafana.example.com.evil.test")).isFalse();
        for (var refused : new String[] {"\"*\"", "\"https://*.example.com\"", "\"https://grafana.example.com/\"", "\"grafana.example.com\"",
            "\"ftp://grafana.example.com\""}) {
            assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(yaml("server:\n  cors:\n    allowed-origins: [" + refused
                    + "]\n")), Map.of()))
                    .as(refused).isInstanceOf(InvalidSettings.class).hasMessageContaining("server.cors.allowed-origins");
        }
    }

    @Test
    void influxql_audit_statement_defaults_to_redacted_and_takes_full_or_none_only() throws IOException {
        assertThat(SettingsLoader.load(Map.of(), Optional.empty(), Map.of()).influxql().auditStatement())
                .isEqualTo(InfluxQlSettings.AuditedStatement.REDACTED);
        assertThat(SettingsLoader.load(Map.of(), Optional.of(yaml("influxql:\n  audit-statement: FULL\n")), Map.of()).influxql()
                .auditStatement()).isEqualTo(InfluxQlSettings.AuditedStatement.FULL);
        assertThat(SettingsLoader.load(Map.of("influxql.audit-statement", "none"), Optional.empty(), Map.of()).influxql().auditStatement())
                .isEqualTo(InfluxQlSettings.AuditedStatement.NONE);
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("influxql.audit-statement", "literal"), Optional.empty(), Map.of()))
                .isInstanceOf(InvalidSettings.class).hasMessageContaining("influxql.audit-statement")
                .hasMessageContaining("[full, none, redacted]");
    }

    @Test
    void slow_client_limits_default_to_10s_head_30s_idle_and_512_connections_per_source() throws IOException {
        var defaults = SettingsLoader.load(Map.of(), Optional.empty(), Map.of()).http();
        var fromFile = SettingsLoader.load(Map.of(), Optional.of(yaml("""
                server:
                  header-timeout: 2s
                  idle-timeout: 1m
                  max-connections-per-source: 20
                """)), Map.of()).http();
        var fromEnv = SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_HEADER_TIMEOUT", "500ms",
                "TIMESTORE_IDLE_TIMEOUT", "5s", "TIMESTORE_MAX_CONNECTIONS_PER_SOURCE", "3")).http();

        assertThat(defaults.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.maxConnectionsPerSource()).isEqualTo(512);
        assertThat(fromFile).extracting(HttpSettings::headerTimeout, HttpSettings::idleTimeout, HttpSettings::maxConnectionsPerSource)
                .containsExactly(Duration.ofSeconds(2), Duration.ofMinutes(1), 20);
        assertThat(fromEnv).extracting(HttpSettings::headerTimeout, HttpSettings::idleTimeout, HttpSettings::maxConnectionsPerSource)
                .containsExactly(Duration.ofMillis(500), Duration.ofSeconds(5), 3);
    }

    @Test
    void slow_client_limits_out_of_range_are_refused_with_their_rule() {
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("server.header-timeout", "0s"), Optional.empty(), Map.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("server.header-timeout").hasMessageContaining("positive duration");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("server.header-timeout", "1h"), Optional.empty(), Map.of()))
                .hasMessage("invalid configuration: server.header-timeout: '1h' (from command line) must be a positive duration of at most 10m");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_IDLE_TIMEOUT", "2h")))
                .hasMessage("invalid configuration: server.idle-timeout: '2h' (from TIMESTORE_IDLE_TIMEOUT) must be a positive duration of at most 1h");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("server.idle-timeout", "forever"), Optional.empty(), Map.of()))
                .hasMessageContaining("server.idle-timeout").hasMessageContaining("duration");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("server.max-connections-per-source", "0"), Optional.empty(), Map.of()))
                .hasMessage("invalid configuration: server.max-connections-per-source: '0' (from command line) must be between 1 and 1000000");
    }

    @Test
    void automatic_blocking_is_on_by_default_with_10_failures_in_5m_blocking_for_15m() throws IOException {
        var defaults = SettingsLoader.load(Map.of(), Optional.empty(), Map.of()).auth().blocking();
        assertThat(defaults).isEqualTo(new BlockingSettings(true, 10, Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofSeconds(1)));
        var fromFile = SettingsLoader.load(Map.of(), Optional.of(yaml("""
                auth:
                  blocking:
                    enabled: false
                    threshold: 3
                    window: 1m
                    duration: 2h
                    cache-ttl: 500ms
                server:
                  trusted-proxies: [10.0.0.0/8, "::1"]
                """)), Map.of());
        assertThat(fromFile.auth().blocking()).isEqualTo(new BlockingSettings(false, 3, Duration.ofMinutes(1), Duration.ofHours(2),
                Duration.ofMillis(500)));
        assertThat(fromFile.http().trustedProxies()).containsExactly("10.0.0.0/8", "::1");
        assertThat(SettingsLoader.load(Map.of(), Optional.empty(), Map.of()).http().trustedProxies()).isEmpty();
    }

    @Test
    void bad_blocking_settings_and_trusted_proxies_are_refused_naming_the_setting() throws IOException {
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_AUTH_BLOCKING_THRESHOLD", "0")))
                .hasMessage("invalid configuration: auth.blocking.threshold: '0' (from TIMESTORE_AUTH_BLOCKING_THRESHOLD) must be between 1 and 1000000");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_AUTH_BLOCKING_WINDOW", "-5m")))
                .isInstanceOf(InvalidSettings.class).hasMessageContaining("auth.blocking.window");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_AUTH_BLOCKING_DURATION", "0s")))
                .isInstanceOf(InvalidSettings.class).hasMessageContaining("auth.blocking.duration").hasMessageContaining("positive");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_AUTH_BLOCKING_ENABLED", "yes please")))
                .isInstanceOf(InvalidSettings.class).hasMessageContaining("auth.blocking.enabled");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(yaml("server:\n  trusted-proxies: [proxy.internal]\n")), Map.of()))
                .isInstanceOf(InvalidSettings.class).hasMessageContaining("server.trusted-proxies").hasMessageContaining("proxy.internal");
    }

    @Test
    void the_series_cache_holds_4096_keys_unless_configured_and_refuses_a_size_below_one() {
        assertThat(SettingsLoader.load(Map.of(), Optional.empty(), Map.of()).points().seriesCacheSize()).isEqualTo(4096);
        assertThat(SettingsLoader.load(Map.of("points.series-cache-size", "100"), Optional.empty(), Map.of()).points().seriesCacheSize())
                .isEqualTo(100);
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("points.series-cache-size", "0"), Optional.empty(), Map.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessage("invalid configuration: points.series-cache-size: '0' (from command line) must be between 1 and 1000000");
    }

    @Test
    void an_unknown_key_in_the_file_is_refused_by_name() throws IOException {
        var file = yaml("server:\n  prot: 8080\n");

        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(file), Map.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("server.prot")
                .hasMessageContaining("unknown setting");
    }

    @Test
    void an_unknown_top_level_section_is_refused() throws IOException {
        var file = yaml("telemetry:\n  enabled: true\n");

        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(file), Map.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("telemetry");
    }

    @Test
    void a_port_out_of_range_names_the_setting_value_origin_and_rule() {
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.empty(), Map.of("TIMESTORE_PORT", "70000")))
                .isInstanceOf(InvalidSettings.class)
                .hasMessage("invalid configuration: server.port: '70000' (from TIMESTORE_PORT) must be between 0 and 65535");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("server.port", "http"), Optional.empty(), Map.of()))
                .hasMessageContaining("server.port").hasMessageContaining("command line").hasMessageContaining("integer");
    }

    @Test
    void other_bad_values_are_refused_with_their_rule() throws IOException {
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("log.format", "xml"), Optional.empty(), Map.of()))
                .hasMessageContaining("log.format").hasMessageContaining("json or text");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("database.url", "postgres://x/y"), Optional.empty(), Map.of()))
                .hasMessageContaining("database.url").hasMessageContaining("jdbc:postgresql://");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(yaml("server:\n  shutdown-timeout: soon\n")), Map.of()))
                .hasMessageContaining("server.shutdown-timeout").hasMessageContaining("duration");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("server.host", "no-such-host.invalid"), Optional.empty(), Map.of()))
                .hasMessageContaining("server.host");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("database.user", "Robert'); DROP"), Optional.empty(), Map.of()))
                .hasMessageContaining("database.user");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(yaml("server: [1, 2]\n")), Map.of()))
                .hasMessageContaining("server");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(dir.resolve("missing.yaml")), Map.of()))
                .hasMessageContaining("config").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(yaml("server:\n  port: [\n")), Map.of()))
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void secrets_never_appear_in_messages_or_to_string() {
        var settings = SettingsLoader.load(Map.of(), Optional.empty(), Map.of(
                "TIMESTORE_DB_URL", "jdbc:postgresql://db:5432/ts?password=url-secret",
                "TIMESTORE_DB_PASSWORD", "pw-secret"));

        assertThat(settings.toString()).doesNotContain("pw-secret");
        assertThat(DatabaseUrls.mask(settings.database().url().orElseThrow())).doesNotContain("url-secret").contains("password=****");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of("database.url", "mysql://u:hunter2@h/db?password=hunter2"), Optional.empty(), Map.of()))
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void identity_caches_default_to_documented_sizes_and_a_one_second_tenant_status_ttl() throws IOException {
        var defaults = SettingsLoader.load(Map.of(), Optional.empty(), Map.of()).auth();
        var tuned = SettingsLoader.load(Map.of(), Optional.of(yaml("""
                auth:
                  jwt-cache-size: 0
                  dataset-cache-size: 500
                  tenant-status-cache-size: 2000
                  tenant-status-cache-ttl: 250ms
                """)), Map.of()).auth();

        assertThat(defaults.caches()).isEqualTo(AuthCaches.defaults());
        assertThat(defaults.authorization().datasetCacheSize()).isEqualTo(10_000);
        assertThat(tuned.caches()).isEqualTo(new AuthCaches(0, 500, 2000, Duration.ofMillis(250)));
        assertThat(tuned.jwt(java.util.List.of()).cacheMaxEntries()).isZero();
        assertThat(tuned.authorization().datasetCacheSize()).isEqualTo(500);
    }

    @Test
    void an_identity_cache_setting_out_of_range_is_refused_naming_the_key() throws IOException {
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(yaml("auth:\n  tenant-status-cache-size: 0\n")), Map.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("auth.tenant-status-cache-size")
                .hasMessageContaining("between 1 and 10000000");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(yaml("auth:\n  tenant-status-cache-ttl: 10m\n")), Map.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("auth.tenant-status-cache-ttl")
                .hasMessageContaining("at most 5m");
        assertThatThrownBy(() -> SettingsLoader.load(Map.of(), Optional.of(yaml("auth:\n  jwt-cache-size: -1\n")), Map.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("auth.jwt-cache-size");
    }
}
