package io.timestore.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds {@link Settings} from four layers, highest first: command-line flags, {@code TIMESTORE_*}
 * environment variables, the YAML file named by {@code --config} / {@code TIMESTORE_CONFIG}, and
 * built-in defaults. Every value is checked here; the first bad one becomes an
 * {@link InvalidSettings} naming the key, where the value came from, and the rule. Nothing is
 * silently corrected, and unknown keys in the file are errors rather than ignored typos.
 *
 * <p>This is the only class that reads the process environment.
 *
 * <p>Over 400 lines because every top-level setting is checked here, one call per key, beside the
 * four-layer lookup ({@code Values}); the largest groups already have readers of their own
 * ({@link AuthSettingsReader}, {@link AuditSettingsReader}, {@link TelemetrySettingsReader}).
 */
public final class SettingsLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The embedded cluster's {@code max_connections} ({@code db.OwnedCluster}). */
    public static final int EMBEDDED_MAX_CONNECTIONS = 200;
    /** Connections of one instance beyond its runtime and delivery pools (docs/scaling.md §5). */
    static final int INSTANCE_CONNECTIONS = 4;
    /** Left for the command-line tools, the superuser's reserved slots and an administrator's psql. */
    static final int EMBEDDED_SPARE_CONNECTIONS = 20;

    private SettingsLoader() {}

    /** Loads with the real process environment. */
    public static Settings load(Map<String, String> flags, Optional<Path> configFile) {
        return load(flags, configFile, System.getenv());
    }

    /**
     * @param flags      values given on the command line, by dotted key
     * @param configFile the {@code --config} flag, if given
     * @param env        the environment variables to consult
     */
    public static Settings load(Map<String, String> flags, Optional<Path> configFile, Map<String, String> env) {
        var file = configFile.or(() -> Optional.ofNullable(env.get("TIMESTORE_CONFIG")).filter(s -> !s.isBlank()).map(Path::of));
        var fileValues = file.map(SettingsLoader::readFile).orElse(Map.of());
        var values = new Values(flags, env, fileValues, file);
        var settings = new Settings(
                values.path(SettingKey.DATA_DIR),
                http(values),
                new DatabaseSettings(
                        values.jdbcUrl(SettingKey.DB_URL),
                        values.identifier(SettingKey.DB_USER),
                        Secret.ofNullable(values.raw(SettingKey.DB_PASSWORD).orElse(null)),
                        values.identifier(SettingKey.DB_RUNTIME_USER),
                        Secret.ofNullable(values.raw(SettingKey.DB_RUNTIME_PASSWORD).orElse(null)),
                        values.identifier(SettingKey.DB_RETENTION_USER),
                        Secret.ofNullable(values.raw(SettingKey.DB_RETENTION_PASSWORD).orElse(null)),
                        values.intBetween(SettingKey.DB_POOL_SIZE, 1, 1000),
                        values.duration(SettingKey.DB_CONNECT_TIMEOUT),
                        databaseTls(values),
                        values.durationAtMost(SettingKey.DB_SCHEMA_WATCH_INTERVAL, Duration.ofHours(1), "1h")),
                values.logFormat(SettingKey.LOG_FORMAT),
                values.secretBytes(SettingKey.MASTER_KEY, 32).map(MasterKey::new),
                values.optional(SettingKey.MASTER_KEY_FILE).map(Path::of),
                AuthSettingsReader.read(values),
                AuditSettingsReader.read(values),
                TelemetrySettingsReader.read(values),
                points(values),
                new TenantStreamSettings(values.list(SettingKey.TENANT_STREAMS_ALLOWED_HOSTS),
                        values.bool(SettingKey.TENANT_STREAMS_ALLOW_HTTP), values.bool(SettingKey.TENANT_STREAMS_ALLOW_PRIVATE)),
                limits(values),
                influxql(values));
        checkEmbeddedConnections(settings);
        return settings;
    }

    /**
     * The embedded cluster allows {@link #EMBEDDED_MAX_CONNECTIONS} connections; pools that could
     * open more would fail only under load, one request at a time ("too many clients"), so the
     * server refuses to start instead. One instance needs its two pools and 4 more (docs/scaling.md §5),
     * and a few are left for the command-line tools that attach to a running server's cluster.
     */
    private static void checkEmbeddedConnections(Settings settings) {
        if (!settings.database().embedded()) {
            return;
        }
        int runtime = settings.database().poolSize();
        int delivery = settings.audit().delivery().poolSize();
        int needed = runtime + delivery + INSTANCE_CONNECTIONS;
        if (needed > EMBEDDED_MAX_CONNECTIONS - EMBEDDED_SPARE_CONNECTIONS) {
            throw new InvalidSettings(SettingKey.DB_POOL_SIZE.key(),
                    ("%d (with audit.delivery.pool-size %d) needs up to %d connections, more than the embedded PostgreSQL allows "
                            + "(%d, of which %d are kept for command-line tools and administration); lower the pool sizes, "
                            + "or use an external PostgreSQL (database.url)").formatted(runtime, delivery, needed,
                            EMBEDDED_MAX_CONNECTIONS, EMBEDDED_SPARE_CONNECTIONS));
        }
    }

    /** Rate limits and quotas: 0 is unlimited; a negative value stops startup naming its key. */
    private static LimitSettings limits(Values values) {
        return new LimitSettings(
                rate(values, SettingKey.LIMITS_TENANT_REQUESTS, SettingKey.LIMITS_TENANT_REQUEST_BURST),
                rate(values, SettingKey.LIMITS_CREDENTIAL_REQUESTS, SettingKey.LIMITS_CREDENTIAL_REQUEST_BURST),
                rate(values, SettingKey.LIMITS_TENANT_POINTS, SettingKey.LIMITS_TENANT_POINTS_BURST),
                values.intBetween(SettingKey.LIMITS_TENANT_MAX_SERIES, 0, (int) LimitSettings.MAX),
                values.durationAtMost(SettingKey.LIMITS_CACHE_TTL, Duration.ofMinutes(5), "5m"));
    }

    private static LimitSettings.Rate rate(Values values, SettingKey perSecond, SettingKey burst) {
        return new LimitSettings.Rate(values.intBetween(perSecond, 0, (int) LimitSettings.MAX), values.intBetween(burst, 0, (int) LimitSettings.MAX));
    }


    private static InfluxQlSettings influxql(Values values) {
        var modes = java.util.Arrays.stream(InfluxQlSettings.AuditedStatement.values())
                .collect(java.util.stream.Collectors.toMap(InfluxQlSettings.AuditedStatement::value, mode -> mode));
        return new InfluxQlSettings(modes.get(values.oneOf(SettingKey.INFLUXQL_AUDIT_STATEMENT, modes.keySet())));
    }

    /** TLS to an external database: the mode a URL without sslmode gets, and the root certificate. */
    private static DatabaseTls databaseTls(Values values) {
        var mode = values.oneOf(SettingKey.DB_TLS_MODE, DatabaseTls.MODES);
        var rootCert = values.optional(SettingKey.DB_TLS_ROOT_CERT).map(Path::of);
        if (rootCert.isPresent() && !Files.isReadable(rootCert.get())) {
            throw values.invalidValue(SettingKey.DB_TLS_ROOT_CERT, "is not a readable file");
        }
        return new DatabaseTls(mode, rootCert);
    }

    private static HttpSettings http(Values values) {
        return new HttpSettings(values.host(SettingKey.HOST), values.port(SettingKey.PORT),
                values.duration(SettingKey.SHUTDOWN_TIMEOUT),
                values.intBetween(SettingKey.POINTS_MAX_BODY, 1024, Integer.MAX_VALUE - 8),
                values.durationAtMost(SettingKey.HEADER_TIMEOUT, Duration.ofMinutes(10), "10m"),
                values.durationAtMost(SettingKey.IDLE_TIMEOUT, Duration.ofHours(1), "1h"),
                values.intBetween(SettingKey.MAX_CONNECTIONS_PER_SOURCE, 1, 1_000_000),
                tls(values),
                trustedProxies(values), cors(values));
    }

    /** Each entry an IP address or CIDR block ({@code 10.0.0.0/8}, {@code ::1}); anything else stops startup. */
    private static java.util.List<String> trustedProxies(Values values) {
        var entries = values.list(SettingKey.TRUSTED_PROXIES);
        for (var entry : entries) {
            if (!AddressRange.parse(entry).isPresent()) {
                throw new InvalidSettings(SettingKey.TRUSTED_PROXIES.key(), "'" + entry + "' is not an IP address or CIDR block");
            }
        }
        return entries;
    }

    private static CorsSettings cors(Values values) {
        try {
            return new CorsSettings(values.list(SettingKey.CORS_ALLOWED_ORIGINS));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings(SettingKey.CORS_ALLOWED_ORIGINS.key(), e.getMessage());
        }
    }

    /**
     * TLS on the listener: a certificate and key go together; the oldest version is 1.3 unless
     * 1.2 is opted into. Whether the files hold a usable pair is checked when the server starts.
     */
    private static TlsSettings tls(Values values) {
        var cert = values.optional(SettingKey.TLS_CERT_FILE).map(Path::of);
        var key = values.optional(SettingKey.TLS_KEY_FILE).map(Path::of);
        if (cert.isPresent() && key.isEmpty()) {
            throw new InvalidSettings(SettingKey.TLS_KEY_FILE.key(), "required when server.tls.cert-file is set");
        }
        if (key.isPresent() && cert.isEmpty()) {
            throw new InvalidSettings(SettingKey.TLS_CERT_FILE.key(), "required when server.tls.key-file is set");
        }
        var version = switch (values.oneOf(SettingKey.TLS_MIN_VERSION, java.util.Set.of("1.2", "1.3", "tlsv1.2", "tlsv1.3"))) {
            case "1.2", "tlsv1.2" -> TlsSettings.Version.TLS_1_2;
            default -> TlsSettings.Version.TLS_1_3;
        };
        return new TlsSettings(cert, key, values.bool(SettingKey.TLS_SELF_SIGNED), version,
                values.durationAtMost(SettingKey.TLS_RELOAD_INTERVAL, Duration.ofHours(1), "1h"));
    }

    private static PointsSettings points(Values values) {
        var body = values.intBetween(SettingKey.POINTS_MAX_BODY, 1024, Integer.MAX_VALUE - 8);
        var decompressed = values.intBetween(SettingKey.POINTS_MAX_DECOMPRESSED, 1024, Integer.MAX_VALUE - 8);
        if (decompressed < body) {
            throw values.invalidValue(SettingKey.POINTS_MAX_DECOMPRESSED, "must be at least points.max-body-bytes (" + body + ")");
        }
        return new PointsSettings(body, decompressed,
                values.intBetween(SettingKey.POINTS_MAX_PER_WRITE, 1, 10_000_000),
                values.intBetween(SettingKey.POINTS_MAX_PER_QUERY, 1, 10_000_000),
                values.duration(SettingKey.POINTS_RETENTION_INTERVAL),
                PointsSettings.defaults().retentionBatch(),
                values.intBetween(SettingKey.POINTS_SERIES_CACHE_SIZE, 1, 1_000_000),
                new CompactionSettings(values.bool(SettingKey.POINTS_COMPACTION_ENABLED),
                        values.duration(SettingKey.POINTS_COMPACTION_AGE),
                        values.duration(SettingKey.POINTS_COMPACTION_INTERVAL)));
    }

    /** Reads the YAML file into dotted keys, refusing keys Timestore does not know. */
    static Map<String, JsonNode> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidSettings("config", "file %s does not exist or is not a regular file".formatted(file));
        }
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new InvalidSettings("config", "file %s is not valid YAML (line %d): %s".formatted(
                    file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(), e.getOriginalMessage()));
        } catch (IOException e) {
            throw new InvalidSettings("config", "file %s cannot be read: %s".formatted(file, e.getMessage()));
        }
        var out = new HashMap<String, JsonNode>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return out;
        }
        if (!root.isObject()) {
            throw new InvalidSettings("config", "file %s must hold a YAML mapping at the top level".formatted(file));
        }
        flatten("", (ObjectNode) root, out, file);
        return out;
    }

    private static void flatten(String prefix, ObjectNode node, Map<String, JsonNode> out, Path file) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var entry = it.next();
            var key = prefix + entry.getKey();
            var value = entry.getValue();
            var known = known(key);
            if (known.isEmpty() && value.isObject() && isPrefixOfKnownKey(key)) {
                flatten(key + ".", (ObjectNode) value, out, file);
            } else if (known.isEmpty()) {
                throw new InvalidSettings(key, "unknown setting in %s (known settings are listed in docs/configuration.md)".formatted(file));
            } else {
                out.put(key, checkShape(known.get(), value, file));
            }
        }
    }

    private static JsonNode checkShape(SettingKey key, JsonNode value, Path file) {
        var shape = value.getNodeType().name().toLowerCase(Locale.ROOT);
        switch (key.kind()) {
            case SCALAR -> {
                if (value.isContainerNode()) {
                    throw new InvalidSettings(key.key(), "expected a single value in %s, found a %s".formatted(file, shape));
                }
            }
            case LIST -> {
                if (!value.isArray() || !allScalars(value)) {
                    throw new InvalidSettings(key.key(), "expected a list of values in %s, found a %s".formatted(file, shape));
                }
            }
            case TREE -> {
                if (!value.isContainerNode()) {
                    throw new InvalidSettings(key.key(), "expected a list or mapping in %s, found a %s".formatted(file, shape));
                }
            }
        }
        return value;
    }

    private static boolean allScalars(JsonNode array) {
        for (var item : array) {
            if (item.isContainerNode()) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPrefixOfKnownKey(String key) {
        return SettingKey.ALL.stream().anyMatch(k -> k.key().startsWith(key + "."));
    }

    private static Optional<SettingKey> known(String key) {
        return SettingKey.ALL.stream().filter(k -> k.key().equals(key)).findFirst();
    }

    /** Resolves each key through the layers and remembers where its value came from. */
    record Values(Map<String, String> flags, Map<String, String> env, Map<String, JsonNode> file, Optional<Path> filePath) {

        Optional<String> raw(SettingKey key) {
            return source(key).map(Source::value);
        }

        Optional<Source> source(SettingKey key) {
            var flag = flags.get(key.key());
            if (flag != null) {
                return Optional.of(new Source(flag, "command line"));
            }
            var fromEnv = key.env().map(env::get).filter(v -> !v.isEmpty());
            if (fromEnv.isPresent()) {
                return Optional.of(new Source(fromEnv.get(), key.env().get()));
            }
            var fromFile = file.get(key.key());
            if (fromFile != null && !fromFile.isNull() && !fromFile.isContainerNode() && !fromFile.asText().isEmpty()) {
                return Optional.of(new Source(fromFile.asText(), filePath.map(Path::toString).orElse("config file")));
            }
            return key.defaultValue().map(v -> new Source(v, "default"));
        }

        Source required(SettingKey key) {
            return source(key).orElseThrow(() -> new InvalidSettings(key.key(), "a value is required"));
        }

        InvalidSettings invalid(SettingKey key, Source source, String rule) {
            var shown = key.secret() ? "****" : "'" + source.value() + "'";
            return new InvalidSettings(key.key(), "%s (from %s) %s".formatted(shown, source.origin(), rule));
        }

        Path path(SettingKey key) {
            var source = required(key);
            try {
                return Path.of(source.value());
            } catch (RuntimeException e) {
                throw invalid(key, source, "is not a valid path");
            }
        }

        String host(SettingKey key) {
            var source = required(key);
            try {
                InetAddress.getByName(source.value());
                return source.value();
            } catch (UnknownHostException | SecurityException e) {
                throw invalid(key, source, "is not an address or host name this machine can resolve");
            }
        }

        int port(SettingKey key) {
            return intBetween(key, 0, 65_535);
        }

        int intBetween(SettingKey key, int min, int max) {
            var source = required(key);
            try {
                int value = Integer.parseInt(source.value().trim());
                if (value < min || value > max) {
                    throw invalid(key, source, "must be between %d and %d".formatted(min, max));
                }
                return value;
            } catch (NumberFormatException e) {
                throw invalid(key, source, "must be an integer between %d and %d".formatted(min, max));
            }
        }

        Duration duration(SettingKey key) {
            var source = required(key);
            Duration value;
            try {
                value = Durations.parse(source.value());
            } catch (Durations.NotADuration e) {
                throw invalid(key, source, e.rule());
            }
            if (value.isNegative() || value.isZero()) {
                throw invalid(key, source, "must be a positive duration");
            }
            return value;
        }

        /** A positive duration no longer than {@code max} (written {@code maxText} in the rule). */
        Duration durationAtMost(SettingKey key, Duration max, String maxText) {
            var value = duration(key);
            if (value.compareTo(max) > 0) {
                throw invalid(key, required(key), "must be a positive duration of at most " + maxText);
            }
            return value;
        }

        Optional<String> jdbcUrl(SettingKey key) {
            var source = source(key);
            if (source.isEmpty()) {
                return Optional.empty();
            }
            var url = source.get().value().trim();
            if (!url.startsWith("jdbc:postgresql://")) {
                throw new InvalidSettings(key.key(), "'%s' (from %s) must be a PostgreSQL JDBC URL starting with jdbc:postgresql://"
                        .formatted(DatabaseUrls.mask(url), source.get().origin()));
            }
            return Optional.of(url);
        }

        String identifier(SettingKey key) {
            var source = required(key);
            if (!source.value().matches("[a-z_][a-z0-9_]{0,62}")) {
                throw invalid(key, source, "must be a lower-case PostgreSQL role name ([a-z_][a-z0-9_]{0,62})");
            }
            return source.value();
        }

        boolean bool(SettingKey key) {
            var source = required(key);
            return switch (source.value().trim().toLowerCase(Locale.ROOT)) {
                case "true", "on", "yes" -> true;
                case "false", "off", "no" -> false;
                default -> throw invalid(key, source, "must be true or false");
            };
        }

        Optional<String> optional(SettingKey key) {
            return source(key).map(Source::value).map(String::trim).filter(v -> !v.isEmpty());
        }

        String oneOf(SettingKey key, java.util.Set<String> allowed) {
            var source = required(key);
            var value = source.value().trim().toLowerCase(Locale.ROOT);
            if (!allowed.contains(value)) {
                throw invalid(key, source, "must be one of " + new java.util.TreeSet<>(allowed));
            }
            return value;
        }

        String text(SettingKey key) {
            var source = required(key);
            if (source.value().isBlank()) {
                throw invalid(key, source, "must not be blank");
            }
            return source.value().trim();
        }

        java.util.List<String> list(SettingKey key) {
            var node = file.get(key.key());
            if (node == null || node.isNull()) {
                return java.util.List.of();
            }
            var values = new java.util.ArrayList<String>();
            node.forEach(item -> values.add(item.asText()));
            return java.util.List.copyOf(values);
        }

        Optional<JsonNode> tree(SettingKey key) {
            return Optional.ofNullable(file.get(key.key())).filter(n -> !n.isNull());
        }

        /** Base64 secret of at least {@code minBytes} bytes, never echoed. */
        Optional<byte[]> secretBytes(SettingKey key, int minBytes) {
            var source = source(key);
            if (source.isEmpty() || source.get().value().isBlank()) {
                return Optional.empty();
            }
            byte[] bytes;
            try {
                bytes = java.util.Base64.getDecoder().decode(source.get().value().trim());
            } catch (IllegalArgumentException e) {
                throw invalid(key, source.get(), "must be base64");
            }
            if (bytes.length < minBytes) {
                throw invalid(key, source.get(), "must decode to at least %d bytes (found %d)".formatted(minBytes, bytes.length));
            }
            return Optional.of(bytes);
        }

        InvalidSettings invalidValue(SettingKey key, String rule) {
            return source(key).map(s -> invalid(key, s, rule)).orElseGet(() -> new InvalidSettings(key.key(), rule));
        }

        LogFormat logFormat(SettingKey key) {
            var source = required(key);
            return switch (source.value().trim().toLowerCase(Locale.ROOT)) {
                case "json" -> LogFormat.JSON;
                case "text" -> LogFormat.TEXT;
                default -> throw invalid(key, source, "must be json or text");
            };
        }
    }

    record Source(String value, String origin) {}
}
