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
 * @param auth      identity: trusted issuers, the dev issuer, API token and signed-request rules
 * @param audit     the audit trail: durability wait, redaction, sealing and checkpoints
 * @param telemetry metrics labels and tracing
 * @param points    data-plane limits: body sizes, points per write and per query, points retention
 * @param tenantStreams where tenants' own audit streams may send (SSRF policy)
 * @param influxql  InfluxQL on {@code /query}: what its audit events hold of the query
 */
public record Settings(Path dataDir, HttpSettings http, DatabaseSettings database, LogFormat logFormat,
                       Optional<MasterKey> masterKey, AuthSettings auth, AuditSettings audit,
                       TelemetrySettings telemetry, PointsSettings points, TenantStreamSettings tenantStreams,
                       InfluxQlSettings influxql) {
    public Settings {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(logFormat, "logFormat");
        Objects.requireNonNull(masterKey, "masterKey");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(telemetry, "telemetry");
        Objects.requireNonNull(points, "points");
        Objects.requireNonNull(tenantStreams, "tenantStreams");
        Objects.requireNonNull(influxql, "influxql");
    }

    public Settings withHttp(HttpSettings replacement) {
        return new Settings(dataDir, replacement, database, logFormat, masterKey, auth, audit, telemetry, points, tenantStreams, influxql);
    }

    public Settings withDatabase(DatabaseSettings replacement) {
        return new Settings(dataDir, http, replacement, logFormat, masterKey, auth, audit, telemetry, points, tenantStreams, influxql);
    }

    public Settings withAuth(AuthSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, replacement, audit, telemetry, points, tenantStreams, influxql);
    }

    public Settings withAudit(AuditSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, auth, replacement, telemetry, points, tenantStreams, influxql);
    }

    public Settings withMasterKey(MasterKey replacement) {
        return new Settings(dataDir, http, database, logFormat, Optional.of(replacement), auth, audit, telemetry, points, tenantStreams, influxql);
    }

    public Settings withTelemetry(TelemetrySettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, auth, audit, replacement, points, tenantStreams, influxql);
    }

    public Settings withPoints(PointsSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, auth, audit, telemetry, replacement, tenantStreams, influxql);
    }

    public Settings withTenantStreams(TenantStreamSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, auth, audit, telemetry, points, replacement, influxql);
    }

    public Settings withInfluxQl(InfluxQlSettings replacement) {
        return new Settings(dataDir, http, database, logFormat, masterKey, auth, audit, telemetry, points, tenantStreams, replacement);
    }
}
