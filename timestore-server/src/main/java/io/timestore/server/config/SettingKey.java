package io.timestore.server.config;

import java.util.List;
import java.util.Optional;

/**
 * One documented setting: its dotted key in the YAML file, the environment variable that can
 * set it, its default, and whether its value is secret (never echoed in messages).
 */
record SettingKey(String key, Optional<String> env, Optional<String> defaultValue, boolean secret, Kind kind) {

    /** The shape of a value: one scalar, a list of scalars, or a structured tree (file only). */
    enum Kind { SCALAR, LIST, TREE }

    static final SettingKey DATA_DIR = of("data-dir", "TIMESTORE_DATA_DIR", "data");
    static final SettingKey HOST = of("server.host", "TIMESTORE_HOST", "127.0.0.1");
    static final SettingKey PORT = of("server.port", "TIMESTORE_PORT", "8080");
    static final SettingKey SHUTDOWN_TIMEOUT = of("server.shutdown-timeout", "TIMESTORE_SHUTDOWN_TIMEOUT", "10s");
    static final SettingKey HEADER_TIMEOUT = of("server.header-timeout", "TIMESTORE_HEADER_TIMEOUT", "10s");
    static final SettingKey IDLE_TIMEOUT = of("server.idle-timeout", "TIMESTORE_IDLE_TIMEOUT", "30s");
    static final SettingKey MAX_CONNECTIONS_PER_SOURCE = of("server.max-connections-per-source", "TIMESTORE_MAX_CONNECTIONS_PER_SOURCE", "512");
    static final SettingKey CORS_ALLOWED_ORIGINS = list("server.cors.allowed-origins");
    static final SettingKey TLS_CERT_FILE = of("server.tls.cert-file", "TIMESTORE_TLS_CERT_FILE", null);
    static final SettingKey TLS_KEY_FILE = of("server.tls.key-file", "TIMESTORE_TLS_KEY_FILE", null);
    static final SettingKey TLS_SELF_SIGNED = of("server.tls.self-signed", "TIMESTORE_TLS_SELF_SIGNED", "false");
    static final SettingKey TLS_MIN_VERSION = of("server.tls.min-version", "TIMESTORE_TLS_MIN_VERSION", "1.3");
    static final SettingKey TLS_RELOAD_INTERVAL = of("server.tls.reload-interval", null, "10s");
    static final SettingKey DB_URL = of("database.url", "TIMESTORE_DB_URL", null);
    static final SettingKey DB_USER = of("database.user", "TIMESTORE_DB_USER", "timestore_owner");
    static final SettingKey DB_PASSWORD = secret("database.password", "TIMESTORE_DB_PASSWORD");
    static final SettingKey DB_RUNTIME_USER = of("database.runtime-user", "TIMESTORE_DB_RUNTIME_USER", "timestore_app");
    static final SettingKey DB_RUNTIME_PASSWORD = secret("database.runtime-password", "TIMESTORE_DB_RUNTIME_PASSWORD");
    static final SettingKey DB_RETENTION_USER = of("database.retention-user", "TIMESTORE_DB_RETENTION_USER", "timestore_retention");
    static final SettingKey DB_RETENTION_PASSWORD = secret("database.retention-password", "TIMESTORE_DB_RETENTION_PASSWORD");
    static final SettingKey DB_POOL_SIZE = of("database.pool-size", "TIMESTORE_DB_POOL_SIZE", "16");
    static final SettingKey DB_CONNECT_TIMEOUT = of("database.connect-timeout", "TIMESTORE_DB_CONNECT_TIMEOUT", "5s");
    static final SettingKey DB_TLS_MODE = of("database.tls.mode", "TIMESTORE_DB_TLS_MODE", "verify-full");
    static final SettingKey DB_TLS_ROOT_CERT = of("database.tls.root-cert", "TIMESTORE_DB_TLS_ROOT_CERT", null);
    static final SettingKey DB_SCHEMA_WATCH_INTERVAL = of("database.schema-watch-interval", null, "10s");
    static final SettingKey LOG_FORMAT = of("log.format", "TIMESTORE_LOG_FORMAT", "json");

    static final SettingKey MASTER_KEY = secret("secrets.master-key", "TIMESTORE_MASTER_KEY");
    static final SettingKey MASTER_KEY_FILE = of("secrets.master-key-file", "TIMESTORE_MASTER_KEY_FILE", null);

    static final SettingKey AUTH_MODE = of("auth.mode", "TIMESTORE_AUTH_MODE", "strict");
    static final SettingKey AUTH_LEGACY_QUERY_SCOPE = of("auth.legacy.global-query-scope", null, "timestore.query");
    static final SettingKey AUTH_LEGACY_UNAUTHENTICATED_INGEST = of("auth.legacy.unauthenticated-ingest", "TIMESTORE_LEGACY_UNAUTHENTICATED_INGEST", "false");
    static final SettingKey AUTH_AUDIENCE = of("auth.audience", "TIMESTORE_JWT_AUDIENCE", "timestore");
    static final SettingKey AUTH_ISSUER = of("auth.issuer", "TIMESTORE_JWT_ISSUER", null);
    static final SettingKey AUTH_JWKS_URL = of("auth.jwks-url", "TIMESTORE_JWT_JWKS_URL", null);
    static final SettingKey AUTH_ISSUERS = tree("auth.issuers");
    static final SettingKey AUTH_DEV_ISSUER = of("auth.dev-issuer", "TIMESTORE_DEV_ISSUER", "auto");
    static final SettingKey AUTH_CONSOLE_CLIENT_ID = of("auth.console-client-id", "TIMESTORE_CONSOLE_CLIENT_ID", null);
    static final SettingKey AUTH_TENANT_CLAIM = of("auth.claims.tenant", null, "tenant_id");
    static final SettingKey AUTH_ROLES_CLAIM = of("auth.claims.roles", null, "roles");
    static final SettingKey AUTH_SCOPE_CLAIM = of("auth.claims.scope", null, "scope");
    static final SettingKey AUTH_SCP_CLAIM = of("auth.claims.scp", null, "scp");
    static final SettingKey AUTH_GROUPS_CLAIM = of("auth.claims.groups", null, "groups");
    static final SettingKey AUTH_CLIENT_ID_CLAIM = of("auth.claims.client-id", null, "client_id");
    static final SettingKey AUTH_USER_MAX_LIFETIME = of("auth.user-max-lifetime", null, "15m");
    static final SettingKey AUTH_MACHINE_MAX_LIFETIME = of("auth.machine-max-lifetime", null, "60m");
    static final SettingKey AUTH_CLOCK_SKEW = of("auth.clock-skew", null, "60s");
    static final SettingKey AUTH_BLOCKING_ENABLED = of("auth.blocking.enabled", "TIMESTORE_AUTH_BLOCKING_ENABLED", "true");
    static final SettingKey AUTH_BLOCKING_THRESHOLD = of("auth.blocking.threshold", "TIMESTORE_AUTH_BLOCKING_THRESHOLD", "10");
    static final SettingKey AUTH_BLOCKING_WINDOW = of("auth.blocking.window", "TIMESTORE_AUTH_BLOCKING_WINDOW", "5m");
    static final SettingKey AUTH_BLOCKING_DURATION = of("auth.blocking.duration", "TIMESTORE_AUTH_BLOCKING_DURATION", "15m");
    static final SettingKey AUTH_BLOCKING_CACHE_TTL = of("auth.blocking.cache-ttl", "TIMESTORE_AUTH_BLOCKING_CACHE_TTL", "1s");
    static final SettingKey TRUSTED_PROXIES = list("server.trusted-proxies");
    static final SettingKey TOKENS_DEFAULT_TTL = of("auth.api-tokens.default-ttl", null, "90d");
    static final SettingKey TOKENS_MAX_TTL = of("auth.api-tokens.max-ttl", null, "365d");
    static final SettingKey SIGNED_WINDOW = of("auth.signed-requests.window", null, "5m");
    static final SettingKey AUTH_JWT_CACHE_SIZE = of("auth.jwt-cache-size", null, String.valueOf(AuthCaches.DEFAULT_JWT_MAX_ENTRIES));
    static final SettingKey AUTH_DATASET_CACHE_SIZE = of("auth.dataset-cache-size", null, String.valueOf(AuthCaches.DEFAULT_DATASET_MAX_ENTRIES));
    static final SettingKey AUTH_TENANT_STATUS_CACHE_SIZE = of("auth.tenant-status-cache-size", null,
            String.valueOf(AuthCaches.DEFAULT_TENANT_STATUS_MAX_ENTRIES));
    static final SettingKey AUTH_TENANT_STATUS_CACHE_TTL = of("auth.tenant-status-cache-ttl", null, "1s");

    static final SettingKey AUDIT_MAX_WAIT = of("audit.max-wait", "TIMESTORE_AUDIT_MAX_WAIT", "2s");
    static final SettingKey AUDIT_RECORD_DENIED = of("audit.record-denied", null, "true");
    static final SettingKey AUDIT_QUEUE_CAPACITY = of("audit.queue-capacity", null, "10000");
    static final SettingKey AUDIT_MAX_BATCH = of("audit.max-batch", null, "500");
    static final SettingKey AUDIT_REDACTION_MODE = of("audit.redaction.mode", null, "enforce");
    static final SettingKey AUDIT_REDACTION_ACTION = of("audit.redaction.action", null, "mask");
    static final SettingKey AUDIT_REDACTION_PATHS = list("audit.redaction.paths");
    static final SettingKey AUDIT_REDACTION_HEADERS = list("audit.redaction.headers");
    static final SettingKey AUDIT_SEAL_INTERVAL = of("audit.seal-interval", null, "200ms");
    static final SettingKey AUDIT_CHECKPOINT_EVERY = of("audit.checkpoint-every", null, "1000");
    static final SettingKey AUDIT_CHECKPOINT_INTERVAL = of("audit.checkpoint-interval", null, "60s");
    static final SettingKey AUDIT_RETENTION_DAYS = of("audit.retention-days", "TIMESTORE_AUDIT_RETENTION_DAYS", "365");
    static final SettingKey AUDIT_RETENTION_INTERVAL = of("audit.retention-interval", null, "1h");
    static final SettingKey AUDIT_LOG_NAME = of("audit.log-name", "TIMESTORE_AUDIT_LOG_NAME", "timestore");
    static final SettingKey AUDIT_SIGNING_KEY = of("audit.signing-key-file", "TIMESTORE_AUDIT_SIGNING_KEY_FILE", null);
    static final SettingKey TENANT_STREAMS_ALLOWED_HOSTS = list("audit.tenant-streams.allowed-hosts");
    static final SettingKey TENANT_STREAMS_ALLOW_HTTP = of("audit.tenant-streams.allow-http", null, "false");
    static final SettingKey TENANT_STREAMS_ALLOW_PRIVATE = of("audit.tenant-streams.allow-private-addresses", null, "false");
    static final SettingKey AUDIT_DELIVERY_SINKS = tree("audit.delivery.sinks");
    static final SettingKey AUDIT_DELIVERY_BATCH_SIZE = of("audit.delivery.batch-size", null, "1000");
    static final SettingKey AUDIT_DELIVERY_POLL_INTERVAL = of("audit.delivery.poll-interval", null, "200ms");
    static final SettingKey AUDIT_DELIVERY_BACKOFF_MIN = of("audit.delivery.backoff-min", null, "1s");
    static final SettingKey AUDIT_DELIVERY_BACKOFF_MAX = of("audit.delivery.backoff-max", null, "10s");
    static final SettingKey AUDIT_DELIVERY_MAX_HOLD = of("audit.delivery.max-hold", "TIMESTORE_AUDIT_DELIVERY_MAX_HOLD", null);
    static final SettingKey AUDIT_DELIVERY_POOL_SIZE = of("audit.delivery.pool-size", "TIMESTORE_AUDIT_DELIVERY_POOL_SIZE",
            String.valueOf(DeliverySettings.DEFAULT_POOL_SIZE));

    static final SettingKey POINTS_MAX_BODY = of("points.max-body-bytes", "TIMESTORE_POINTS_MAX_BODY_BYTES", "10485760");
    static final SettingKey POINTS_MAX_DECOMPRESSED = of("points.max-decompressed-bytes", null, "67108864");
    static final SettingKey POINTS_MAX_PER_WRITE = of("points.max-points-per-write", null, "100000");
    static final SettingKey POINTS_MAX_PER_QUERY = of("points.max-points-per-query", "TIMESTORE_POINTS_MAX_PER_QUERY", "100000");
    static final SettingKey POINTS_RETENTION_INTERVAL = of("points.retention-interval", null, "1h");
    static final SettingKey POINTS_SERIES_CACHE_SIZE = of("points.series-cache-size", null, "4096");
    static final SettingKey POINTS_COMPACTION_ENABLED = of("points.compaction.enabled", "TIMESTORE_POINTS_COMPACTION_ENABLED", "true");
    static final SettingKey POINTS_COMPACTION_AGE = of("points.compaction.age", null, "1h");
    static final SettingKey POINTS_COMPACTION_INTERVAL = of("points.compaction.interval", null, "1m");

    static final SettingKey LIMITS_TENANT_REQUESTS = of("limits.tenant.requests-per-second", "TIMESTORE_LIMITS_TENANT_REQUESTS_PER_SECOND", "0");
    static final SettingKey LIMITS_TENANT_REQUEST_BURST = of("limits.tenant.request-burst", "TIMESTORE_LIMITS_TENANT_REQUEST_BURST", "0");
    static final SettingKey LIMITS_CREDENTIAL_REQUESTS = of("limits.credential.requests-per-second", "TIMESTORE_LIMITS_CREDENTIAL_REQUESTS_PER_SECOND", "0");
    static final SettingKey LIMITS_CREDENTIAL_REQUEST_BURST = of("limits.credential.request-burst", "TIMESTORE_LIMITS_CREDENTIAL_REQUEST_BURST", "0");
    static final SettingKey LIMITS_TENANT_POINTS = of("limits.tenant.points-per-second", "TIMESTORE_LIMITS_TENANT_POINTS_PER_SECOND", "0");
    static final SettingKey LIMITS_TENANT_POINTS_BURST = of("limits.tenant.points-burst", "TIMESTORE_LIMITS_TENANT_POINTS_BURST", "0");
    static final SettingKey LIMITS_TENANT_MAX_SERIES = of("limits.tenant.max-series", "TIMESTORE_LIMITS_TENANT_MAX_SERIES", "0");
    static final SettingKey LIMITS_CACHE_TTL = of("limits.cache-ttl", null, "5s");
    static final SettingKey INFLUXQL_AUDIT_STATEMENT = of("influxql.audit-statement", null, "redacted");

    static final SettingKey METRICS_PER_TENANT = of("metrics.per-tenant", "TIMESTORE_METRICS_PER_TENANT", "false");
    static final SettingKey METRICS_PER_TENANT_LIMIT = of("metrics.per-tenant-limit", null, "100");
    static final SettingKey TRACING_OTLP_ENDPOINT = of("tracing.otlp-endpoint", "TIMESTORE_OTLP_ENDPOINT", null);
    static final SettingKey TRACING_SERVICE_NAME = of("tracing.service-name", "OTEL_SERVICE_NAME", "timestore");

    static final List<SettingKey> ALL = List.of(
            DATA_DIR, HOST, PORT, SHUTDOWN_TIMEOUT, HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_CONNECTIONS_PER_SOURCE, TRUSTED_PROXIES, CORS_ALLOWED_ORIGINS,
            TLS_CERT_FILE, TLS_KEY_FILE, TLS_SELF_SIGNED, TLS_MIN_VERSION, TLS_RELOAD_INTERVAL,
            DB_URL, DB_USER, DB_PASSWORD, DB_RUNTIME_USER, DB_RUNTIME_PASSWORD, DB_RETENTION_USER, DB_RETENTION_PASSWORD, DB_POOL_SIZE, DB_CONNECT_TIMEOUT,
            DB_TLS_MODE, DB_TLS_ROOT_CERT, DB_SCHEMA_WATCH_INTERVAL,
            LOG_FORMAT, MASTER_KEY, MASTER_KEY_FILE,
            AUTH_MODE, AUTH_LEGACY_QUERY_SCOPE, AUTH_LEGACY_UNAUTHENTICATED_INGEST, AUTH_AUDIENCE, AUTH_ISSUER, AUTH_JWKS_URL, AUTH_ISSUERS, AUTH_DEV_ISSUER, AUTH_CONSOLE_CLIENT_ID,
            AUTH_TENANT_CLAIM, AUTH_ROLES_CLAIM, AUTH_SCOPE_CLAIM, AUTH_SCP_CLAIM, AUTH_GROUPS_CLAIM, AUTH_CLIENT_ID_CLAIM,
            AUTH_USER_MAX_LIFETIME, AUTH_MACHINE_MAX_LIFETIME, AUTH_CLOCK_SKEW, TOKENS_DEFAULT_TTL, TOKENS_MAX_TTL,
            SIGNED_WINDOW, AUTH_BLOCKING_ENABLED, AUTH_BLOCKING_THRESHOLD, AUTH_BLOCKING_WINDOW, AUTH_BLOCKING_DURATION,
            AUTH_BLOCKING_CACHE_TTL, AUTH_JWT_CACHE_SIZE, AUTH_DATASET_CACHE_SIZE, AUTH_TENANT_STATUS_CACHE_SIZE, AUTH_TENANT_STATUS_CACHE_TTL,
            AUDIT_MAX_WAIT, AUDIT_RECORD_DENIED, AUDIT_QUEUE_CAPACITY, AUDIT_MAX_BATCH, AUDIT_REDACTION_MODE,
            AUDIT_REDACTION_ACTION, AUDIT_REDACTION_PATHS, AUDIT_REDACTION_HEADERS, AUDIT_SEAL_INTERVAL,
            AUDIT_CHECKPOINT_EVERY, AUDIT_CHECKPOINT_INTERVAL, AUDIT_RETENTION_DAYS, AUDIT_RETENTION_INTERVAL, AUDIT_SIGNING_KEY, AUDIT_LOG_NAME,
            TENANT_STREAMS_ALLOWED_HOSTS, TENANT_STREAMS_ALLOW_HTTP, TENANT_STREAMS_ALLOW_PRIVATE,
            AUDIT_DELIVERY_SINKS, AUDIT_DELIVERY_BATCH_SIZE, AUDIT_DELIVERY_POLL_INTERVAL, AUDIT_DELIVERY_BACKOFF_MIN,
            AUDIT_DELIVERY_BACKOFF_MAX, AUDIT_DELIVERY_MAX_HOLD, AUDIT_DELIVERY_POOL_SIZE,
            POINTS_MAX_BODY, POINTS_MAX_DECOMPRESSED, POINTS_MAX_PER_WRITE, POINTS_MAX_PER_QUERY, POINTS_RETENTION_INTERVAL,
            POINTS_SERIES_CACHE_SIZE, POINTS_COMPACTION_ENABLED, POINTS_COMPACTION_AGE, POINTS_COMPACTION_INTERVAL,
            LIMITS_TENANT_REQUESTS, LIMITS_TENANT_REQUEST_BURST, LIMITS_CREDENTIAL_REQUESTS, LIMITS_CREDENTIAL_REQUEST_BURST,
            LIMITS_TENANT_POINTS, LIMITS_TENANT_POINTS_BURST, LIMITS_TENANT_MAX_SERIES, LIMITS_CACHE_TTL,
            INFLUXQL_AUDIT_STATEMENT,
            METRICS_PER_TENANT, METRICS_PER_TENANT_LIMIT, TRACING_OTLP_ENDPOINT, TRACING_SERVICE_NAME);

    private static SettingKey of(String key, String env, String defaultValue) {
        return new SettingKey(key, Optional.ofNullable(env), Optional.ofNullable(defaultValue), false, Kind.SCALAR);
    }

    private static SettingKey secret(String key, String env) {
        return new SettingKey(key, Optional.of(env), Optional.empty(), true, Kind.SCALAR);
    }

    private static SettingKey list(String key) {
        return new SettingKey(key, Optional.empty(), Optional.empty(), false, Kind.LIST);
    }

    private static SettingKey tree(String key) {
        return new SettingKey(key, Optional.empty(), Optional.empty(), false, Kind.TREE);
    }
}
