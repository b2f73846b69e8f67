package io.timestore.server.config;

import java.util.List;
import java.util.Optional;

/**
 * One documented setting: its dotted key in the YAML file, the environment variable that can
 * set it, its default, and whether its value is secret (never echoed in messages).
 */
record SettingKey(String key, Optional<String> env, Optional<String> defaultValue, boolean secret) {

    static final SettingKey DATA_DIR = of("data-dir", "TIMESTORE_DATA_DIR", "data");
    static final SettingKey HOST = of("server.host", "TIMESTORE_HOST", "127.0.0.1");
    static final SettingKey PORT = of("server.port", "TIMESTORE_PORT", "8080");
    static final SettingKey SHUTDOWN_TIMEOUT = of("server.shutdown-timeout", "TIMESTORE_SHUTDOWN_TIMEOUT", "10s");
    static final SettingKey DB_URL = of("database.url", "TIMESTORE_DB_URL", null);
    static final SettingKey DB_USER = of("database.user", "TIMESTORE_DB_USER", "timestore_owner");
    static final SettingKey DB_PASSWORD = secret("database.password", "TIMESTORE_DB_PASSWORD");
    static final SettingKey DB_RUNTIME_USER = of("database.runtime-user", "TIMESTORE_DB_RUNTIME_USER", "timestore_app");
    static final SettingKey DB_RUNTIME_PASSWORD = secret("database.runtime-password", "TIMESTORE_DB_RUNTIME_PASSWORD");
    static final SettingKey DB_POOL_SIZE = of("database.pool-size", "TIMESTORE_DB_POOL_SIZE", "16");
    static final SettingKey DB_CONNECT_TIMEOUT = of("database.connect-timeout", "TIMESTORE_DB_CONNECT_TIMEOUT", "5s");
    static final SettingKey LOG_FORMAT = of("log.format", "TIMESTORE_LOG_FORMAT", "json");

    static final List<SettingKey> ALL = List.of(
            DATA_DIR, HOST, PORT, SHUTDOWN_TIMEOUT,
            DB_URL, DB_USER, DB_PASSWORD, DB_RUNTIME_USER, DB_RUNTIME_PASSWORD, DB_POOL_SIZE, DB_CONNECT_TIMEOUT,
            LOG_FORMAT);

    private static SettingKey of(String key, String env, String defaultValue) {
        return new SettingKey(key, Optional.of(env), Optional.ofNullable(defaultValue), false);
    }

    private static SettingKey secret(String key, String env) {
        return new SettingKey(key, Optional.of(env), Optional.empty(), true);
    }
}
