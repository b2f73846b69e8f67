package io.timestore.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole configuration, built and validated once at startup by {@link SettingsLoader}.
 *
 * @param dataDir   where embedded PostgreSQL and generated keys live
 * @param http      the HTTP listener
 * @param database  the database and its roles
 * @param logFormat how log lines are written
 * @param masterKey the key that protects secrets at rest; generated under the data dir when
 *                  embedded, required with an external database
 * @param masterKeyFile the list of master keys that encrypt stored secrets, once the master key
 *                  has been rotated ({@code secrets.master-key-file}; embedded default
 *                  {@code <data-dir>/keys/master-keys})
 * @param auth      identity: trusted issuers, the dev issuer, API token and signed-request rules
 * @param audit     the audit trail: durability wait, redaction, sealing and checkpoints
 * @param telemetry metrics labels and tracing
 * @param points    data-plane limits: body sizes, points per write and per query, points retention
 * @param tenantStreams where tenants' own audit streams may send (SSRF policy)
 * @param limits    rate limits and quotas every tenant gets unless an operator overrides them
 * @param influxql  InfluxQL on {@code /query}: what its audit events hold of the query
 */
public record Settings(Path dataDir, HttpSettings http, DatabaseSettings database, LogFormat logFormat,
                       Optional<MasterKey> masterKey, Optional<Path> masterKeyFile, AuthSettings auth, AuditSettings audit,
                       TelemetrySettings telemetry, PointsSettings points, TenantStreamSettings tenantStreams,
                       LimitSettings limits, InfluxQlSettings influxql) {
    public Settings {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(logFormat, "logFormat");
        Objects.requireNonNull(masterKey, "masterKey");
        Objects.requireNonNull(masterKeyFile, "masterKeyFile");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(telemetry, "telemetry");
        Objects.requireNonNull(points, "points");
        Objects.requireNonNull(tenantStreams, "tenantStreams");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(influxql, "influxql");
    }

    public Settings withHttp(HttpSettings replacement) {
        return new Settings(dataDir, replacement, database, logFormat, masterKey, masterKeyFile, auth, audit, telemetry, points, tenantStreams, limits, influxql);
    }

    public Settings withDatabase(DatabaseSettings replacement) {
        return new Settings(dataDir, http, replacement, logFormat, masterKey, masterKeyFile, auth, audit, telemetry, points, tenantStreams, limits, influxql);
    }

    public Settings withAuth(AuthSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, masterKeyFile, replacement, audit, telemetry, points, tenantStreams, limits, influxql);
    }

    public Settings withAudit(AuditSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, masterKeyFile, auth, replacement, telemetry, points, tenantStreams, limits, influxql);
    }

    public Settings withMasterKey(MasterKey replacement) {
        return new Settings(dataDir, http, database, logFormat, Optional.of(replacement), masterKeyFile, auth, audit, telemetry, points, tenantStreams, limits, influxql);
    }

    public Settings withMasterKeyFile(Path replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, Optional.of(replacement), auth, audit, telemetry, points, tenantStreams, limits, influxql);
    }

    public Settings withTelemetry(TelemetrySettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, masterKeyFile, auth, audit, replacement, points, tenantStreams, limits, influxql);
    }

    public Settings withPoints(PointsSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, masterKeyFile, auth, audit, telemetry, replacement, tenantStreams, limits, influxql);
    }

    public Settings withTenantStreams(TenantStreamSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, masterKeyFile, auth, audit, telemetry, points, replacement, limits, influxql);
    }

    public Settings withLimits(LimitSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, masterKeyFile, auth, audit, telemetry, points, tenantStreams, replacement, influxql);
    }

    public Settings withInfluxQl(InfluxQlSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, masterKeyFile, auth, audit, telemetry, points, tenantStreams, limits, replacement);
    }
}
