package io.timestore.server.testing;

import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;

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
    private final Map<String, String> environment;
    private final Path config;
    private final Tokens tokens;

    private CrashRestarts(SharedPostgres postgres, String database, Path dataDir, Map<String, String> environment, Path config,
                          Tokens tokens) {
        this.postgres = postgres;
        this.database = database;
        this.dataDir = dataDir;
        this.environment = environment;
        this.config = config;
        this.tokens = tokens;
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
            var checkpointKey = dataDir.resolve("audit-checkpoint.key");
            Files.writeString(checkpointKey, CheckpointKeys.toFileText(CheckpointKeys.generate(new SecureRandom())));
            var masterKey = new byte[32];
            new SecureRandom().nextBytes(masterKey);
            var configFile = Files.writeString(dataDir.resolve("timestore.yaml"), config);
            var issuer = DevIssuer.load(new KeyFiles(dataDir), "timestore", io.timestore.security.jwt.ClaimNames.defaults(),
                    InstantSource.system());
            var environment = Map.of(
                    "TIMESTORE_DB_URL", postgres.jdbcUrl(database),
                    "TIMESTORE_MASTER_KEY", Base64.getEncoder().encodeToString(masterKey),
                    "TIMESTORE_DEV_ISSUER", "on",
                    "TIMESTORE_AUDIT_SIGNING_KEY_FILE", checkpointKey.toString());
            return new CrashRestarts(postgres, database, dataDir, environment, configFile, new Tokens(issuer));
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
        return ServerProcess.serve(dataDir, environment, "--config", config.toString());
    }

    /** Real JWTs every process accepts (the shared development issuer). */
    public Tokens tokens() {
        return tokens;
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
