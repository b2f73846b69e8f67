package io.timestore.server.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import com.zaxxer.hikari.pool.HikariPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.server.config.DatabaseSettings;
import io.timestore.server.config.DatabaseUrls;
import io.timestore.server.config.DeliverySettings;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.Secret;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system of record: an embedded or external PostgreSQL, migrated as the owner role and
 * served through a pool of runtime-role connections that row-level security always applies to.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final Optional<EmbeddedDatabase> embedded;
    private final DatabaseTarget target;
    private final HikariDataSource pool;
    private final HikariDataSource retentionPool;
    private final HikariDataSource auditPool;
    private final HikariDataSource deliveryPool;
    private final Transactions transactions;

    private Database(Optional<EmbeddedDatabase> embedded, DatabaseTarget target, HikariDataSource pool,
                     HikariDataSource retentionPool, HikariDataSource auditPool, HikariDataSource deliveryPool) {
        this.embedded = embedded;
        this.target = target;
        this.pool = pool;
        this.retentionPool = retentionPool;
        this.auditPool = auditPool;
        this.deliveryPool = deliveryPool;
        this.transactions = new Transactions(pool);
    }

    /**
     * Opens the configured database for the server: starts the embedded one if no URL is set
     * (creating it on first start, refusing a data directory another process owns), migrates,
     * checks that the runtime role cannot bypass row-level security, and opens the runtime pool.
     *
     * @param deliveryPoolSize the most connections of the delivery pool ({@code audit.delivery.pool-size})
     * @throws InvalidSettings when the database cannot be reached or its roles are unsafe
     */
    public static Database open(DatabaseSettings settings, int deliveryPoolSize, Path dataDir, MeterRegistry registry) {
        return open(settings, registry, settings.embedded()
                ? Optional.of(EmbeddedDatabase.serve(dataDir, settings)) : Optional.empty(), false, deliveryPoolSize);
    }

    /**
     * Opens an existing database for a command that reads it ({@code audit ...}): the embedded
     * one of {@code dataDir} (the running server's, never stopped here) or the external one,
     * which must already hold the schema. Creates no cluster, database or schema; brings an
     * existing schema up to date as {@link #open} does.
     *
     * @throws InvalidSettings when there is no such database
     */
    public static Database openExisting(DatabaseSettings settings, Path dataDir, MeterRegistry registry) {
        // A command never delivers (it reads cursors on the runtime pool): the default size, of which it opens one.
        return open(settings, registry, settings.embedded()
                ? Optional.of(EmbeddedDatabase.existing(dataDir, settings)) : Optional.empty(), true, DeliverySettings.DEFAULT_POOL_SIZE);
    }

    private static Database open(DatabaseSettings settings, MeterRegistry registry, Optional<EmbeddedDatabase> embedded,
                                 boolean existingSchema, int deliveryPoolSize) {
        try {
            var target = embedded.map(e -> e.target(settings)).orElseGet(() -> externalTarget(settings));
            if (existingSchema && schemaVersion(target).isEmpty()) {
                throw new InvalidSettings(embedded.isPresent() ? "data-dir" : "database.url", ("no Timestore database in %s "
                        + "(no schema: no migration was ever applied); this command only reads an existing one")
                        .formatted(target.maskedUrl()));
            }
            migrate(target);
            embedded.ifPresent(EmbeddedDatabase::installSchemaWatch);
            RuntimeRole.verify(target);
            // Each pool opened is closed again if a later one cannot be opened.
            var opened = new ArrayList<HikariDataSource>();
            try {
                var pool = opened(opened, openPool(target, settings, registry));
                return new Database(embedded, target, pool, opened(opened, retentionPool(target, settings)),
                        opened(opened, auditPool(target, settings)), opened(opened, deliveryPool(target, settings, deliveryPoolSize, registry)));
            } catch (RuntimeException e) {
                opened.reversed().forEach(HikariDataSource::close);
                throw e;
            }
        } catch (RuntimeException e) {
            embedded.ifPresent(EmbeddedDatabase::close);
            throw e;
        }
    }

    /**
     * Migrates as the owner role only, for {@code timestore migrate}: an external database may be
     * empty (this is how it gets its schema), but an embedded one must exist, since only
     * {@code serve} creates a data directory's cluster. Reports the schema version reached, also
     * when nothing was left to apply.
     */
    public static MigrationReport migrateOnly(DatabaseSettings settings, Path dataDir) {
        var embedded = settings.embedded() ? Optional.of(EmbeddedDatabase.existing(dataDir, settings)) : Optional.<EmbeddedDatabase>empty();
        try {
            var target = embedded.map(e -> e.target(settings)).orElseGet(() -> externalTarget(settings));
            var result = migrate(target);
            RuntimeRole.verify(target);
            var version = schemaVersion(target).orElse("(none)");
            return new MigrationReport(target.maskedUrl(), result.migrationsExecuted, version);
        } finally {
            embedded.ifPresent(EmbeddedDatabase::close);
        }
    }

    /** What {@code timestore migrate} reports. */
    public record MigrationReport(String database, int applied, String schemaVersion) {}

    public DatabaseTarget target() {
        return target;
    }

    public DataSource runtimeDataSource() {
        return pool;
    }

    /**
     * Connections as the retention role, the only one that may delete audit history. Used by the
     * audit retention job alone; two connections at most.
     */
    public DataSource retentionDataSource() {
        return retentionPool;
    }

    /** Connections of the audit pool: one per group-commit writer, whose commits overlap. */
    public static final int AUDIT_CONNECTIONS = 2;

    /**
     * Runtime-role connections reserved for the audit group-commit writers. Kept apart from the
     * request pool on purpose: under load, hundreds of requests queue for request connections,
     * and the one thread that makes their audit events durable must never wait behind them.
     */
    public DataSource auditDataSource() {
        return auditPool;
    }

    /**
     * Runtime-role connections for audit delivery (the loop's leadership, its workers' reads and
     * cursor commits), kept apart from the request pool: every sink and tenant stream has a worker
     * of its own, so with enough of them a database that stalls their statements (a lock, a slow
     * disk) would otherwise hold every request connection and answer requests 503. With a pool of
     * their own a stalled delivery waits for its own connections only (issue #17: a sink that is
     * down or slow pauses only itself). Up to {@code audit.delivery.pool-size} connections (6 by
     * default): the delivery leader's lock connection, and the cursor queries, batch reads and
     * cursor commits of every sink's worker together.
     */
    public DataSource deliveryDataSource() {
        return deliveryPool;
    }

    public Transactions transactions() {
        return transactions;
    }

    /** Whether a runtime connection can be had and answers within {@code timeout}. */
    public boolean reachable(Duration timeout) {
        try (var connection = pool.getConnection()) {
            return connection.isValid((int) Math.max(1, timeout.toSeconds()));
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        retentionPool.close();
        auditPool.close();
        deliveryPool.close();
        pool.close();
        embedded.ifPresent(EmbeddedDatabase::close);
    }

    private static DatabaseTarget externalTarget(DatabaseSettings settings) {
        var url = settings.tls().apply(settings.url().orElseThrow());
        warnWithoutVerification(url);
        var target = new DatabaseTarget(url, settings.ownerUser(), settings.ownerPassword(),
                settings.runtimeUser(), settings.runtimePassword(), settings.retentionUser(), settings.retentionPassword(), "external PostgreSQL");
        DriverManager.setLoginTimeout((int) Math.max(1, settings.connectTimeout().toSeconds()));
        try (var connection = DriverManager.getConnection(target.jdbcUrl(), target.ownerUser(),
                target.ownerPassword().reveal().orElse(""))) {
            var version = connection.getMetaData().getDatabaseMajorVersion();
            if (version < 15) {
                throw new InvalidSettings("database.url", "%s runs PostgreSQL %d; Timestore needs 15 or newer"
                        .formatted(target.maskedUrl(), version));
            }
        } catch (SQLException e) {
            throw new InvalidSettings("database.url", "cannot connect to %s as %s: %s"
                    .formatted(target.maskedUrl(), target.ownerUser(), firstLine(e.getMessage())), e);
        }
        return target;
    }

    /**
     * TLS that does not verify the server (anything but {@code sslmode=verify-full}) is an
     * explicit opt-out; it is allowed, and said at every start.
     */
    private static void warnWithoutVerification(String url) {
        var mode = DatabaseUrls.parameter(url, "sslmode").orElse("verify-full");
        if (!mode.equalsIgnoreCase("verify-full")) {
            log.atWarn().addKeyValue("sslmode", mode).log("the connection to PostgreSQL uses sslmode={}: {}", mode,
                    mode.equalsIgnoreCase("disable") || mode.equalsIgnoreCase("allow") || mode.equalsIgnoreCase("prefer")
                            ? "it may travel unencrypted; use verify-full outside local development"
                            : "the server's certificate or name is not verified; use verify-full with database.tls.root-cert");
        }
    }

    private static org.flywaydb.core.api.output.MigrateResult migrate(DatabaseTarget target) {
        try {
            var result = Migrations.migrate(target);
            if (result.migrationsExecuted > 0) {
                log.info("applied {} migration(s); schema version {}", result.migrationsExecuted, result.targetSchemaVersion);
            }
            return result;
        } catch (FlywayException e) {
            throw new InvalidSettings("database.user", "migrating %s as %s failed: %s"
                    .formatted(target.maskedUrl(), target.ownerUser(), firstLine(e.getMessage())), e);
        }
    }

    private static Optional<String> schemaVersion(DatabaseTarget target) {
        try {
            return Migrations.currentVersion(target);
        } catch (FlywayException e) {
            throw new InvalidSettings("database.user", "reading the schema version of %s as %s failed: %s"
                    .formatted(target.maskedUrl(), target.ownerUser(), firstLine(e.getMessage())), e);
        }
    }

    private static HikariDataSource opened(List<HikariDataSource> opened, HikariDataSource pool) {
        opened.add(pool);
        return pool;
    }

    private static HikariDataSource openPool(DatabaseTarget target, DatabaseSettings settings, MeterRegistry registry) {
        var config = pool("timestore-runtime", "timestore", target.jdbcUrl(), target.runtimeUser(), target.runtimePassword(),
                settings.poolSize(), Math.min(2, settings.poolSize()), settings);
        config.setValidationTimeout(Math.max(250, Math.min(settings.connectTimeout().toMillis(), 5_000)));
        config.setInitializationFailTimeout(settings.connectTimeout().toMillis());
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        try {
            return new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            throw new InvalidSettings("database.runtime-user", "cannot connect to %s as %s: %s"
                    .formatted(target.maskedUrl(), target.runtimeUser(), firstLine(e.getMessage())), e);
        }
    }

    private static HikariDataSource auditPool(DatabaseTarget target, DatabaseSettings settings) {
        var config = pool("timestore-audit", "timestore-audit", target.jdbcUrl(), target.runtimeUser(), target.runtimePassword(),
                AUDIT_CONNECTIONS, AUDIT_CONNECTIONS, settings);
        config.setInitializationFailTimeout(settings.connectTimeout().toMillis());
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(config);
    }

    private static HikariDataSource deliveryPool(DatabaseTarget target, DatabaseSettings settings, int size, MeterRegistry registry) {
        var config = pool("timestore-delivery", "timestore-delivery", target.jdbcUrl(), target.runtimeUser(), target.runtimePassword(),
                size, 1, settings);
        // hikaricp_connections_* with pool="timestore-delivery": a delivery waiting for its connections shows there.
        config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        config.setInitializationFailTimeout(settings.connectTimeout().toMillis());
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(config);
    }

    private static HikariDataSource retentionPool(DatabaseTarget target, DatabaseSettings settings) {
        var config = pool("timestore-retention", "timestore-retention", target.jdbcUrl(), target.retentionUser(),
                target.retentionPassword(), 2, 0, settings);
        // Connect lazily: the retention job runs rarely, and a missing role should not stop the
        // server from serving; the job reports it when it runs.
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    /**
     * What the server's pools set alike: the pool's name, PostgreSQL's {@code application_name},
     * where and as whom they connect, their size and how long a caller waits for a connection.
     */
    private static HikariConfig pool(String name, String applicationName, String jdbcUrl, String user, Secret password,
                                     int size, int minimumIdle, DatabaseSettings settings) {
        var config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        password.reveal().ifPresent(config::setPassword);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(minimumIdle);
        config.setConnectionTimeout(Math.max(250, settings.connectTimeout().toMillis()));
        config.addDataSourceProperty("ApplicationName", applicationName);
        return config;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no detail)";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
