package io.timestore.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;

/**
 * {@code timestore serve} processes, one after another, over ONE new database of the shared test
 * cluster (holding tenant {@code acme}) and one data directory: for tests that kill a server with
 * SIGKILL in the middle of its work and let the next process serve what it left. Every process
 * gets the same master key, audit checkpoint key, development issuer and configuration file, all
 * made before the first one starts.
 */
public final class CrashRestarts {
    private final SharedPostgres postgres;
    private final String database;
    private final Path dataDir;
    private final DeploymentKeys keys;

    private CrashRestarts(SharedPostgres postgres, String database, Path dataDir, DeploymentKeys keys) {
        this.postgres = postgres;
        this.database = database;
        this.dataDir = dataDir;
        this.keys = keys;
    }

    /**
     * A new database of {@code postgres} named after {@code databasePrefix}, with tenant
     * {@code acme}, served from {@code dataDir} with {@code config} (YAML, may be empty) as the
     * configuration file.
     */
    public static CrashRestarts on(SharedPostgres postgres, String databasePrefix, Path dataDir, String config) {
        var database = postgres.createDatabase(databasePrefix);
        try (var superuser = postgres.superuser(database); var statement = superuser.createStatement()) {
            statement.execute("INSERT INTO tenants (id, name, created_by, updated_by) VALUES ('acme', 'Acme', 'test', 'test')");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        try {
            return new CrashRestarts(postgres, database, dataDir, DeploymentKeys.in(dataDir, postgres.jdbcUrl(database), config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The database every process serves. */
    public String database() {
        return database;
    }

    /** Starts the next process (wait for it with {@link ServerProcess#awaitListening}). */
    public ServerProcess serve() {
        return ServerProcess.serve(dataDir, keys.environment(), "--config", keys.configFile().toString());
    }

    /** Real JWTs every process accepts (the shared development issuer). */
    public Tokens tokens() {
        return keys.tokens();
    }

    /**
     * Waits until the killed process's database sessions have ended: PostgreSQL ends them once it
     * sees their client gone (a session waiting for a lock of the test, once that lock is released).
     */
    public void awaitSessionsEnded() {
        Await.until("the killed server's database sessions have ended", Duration.ofSeconds(30), () -> {
            try (var superuser = postgres.superuser(database);
                 var statement = superuser.prepareStatement(
                         "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND usename IN (?, ?, ?)")) {
                statement.setString(1, database);
                statement.setString(2, SharedPostgres.OWNER);
                statement.setString(3, SharedPostgres.RUNTIME);
                statement.setString(4, SharedPostgres.RETENTION);
                try (var rows = statement.executeQuery()) {
                    rows.next();
                    return rows.getLong(1) == 0;
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
