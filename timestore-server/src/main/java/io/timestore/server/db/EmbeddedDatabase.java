package io.timestore.server.db;

import io.timestore.server.config.DatabaseSettings;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17 running from the binaries jar, with its files under {@code <data-dir>/postgres}
 * so data survives restarts and a new user needs nothing but a JDK.
 *
 * <p>One process owns a data directory's cluster at a time ({@link OwnerLock}): the server that
 * runs on it, or a command run while no server does. The owner alone starts and stops
 * PostgreSQL. A second server on an owned data directory is refused; a command uses the owner's
 * PostgreSQL and never stops it. A cluster left running by an owner that died is stopped by the
 * next owner and started afresh. A server restarts its PostgreSQL when it dies ({@link Supervisor}).
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    static final String DATABASE = "timestore";
    private static final String SUPERUSER = "postgres";

    private final Optional<OwnedCluster> owned;
    private final int port;
    private final Path directory;

    private EmbeddedDatabase(Optional<OwnedCluster> owned, int port, Path directory) {
        this.owned = owned;
        this.port = port;
        this.directory = directory;
    }

    /**
     * For {@code serve}: takes {@code dataDir}'s cluster (creating it on first start, with roles
     * and database) and keeps it running until closed.
     *
     * @throws InvalidSettings ({@code data-dir}) when another live process owns the data directory,
     *                         or PostgreSQL cannot be started there
     */
    public static EmbeddedDatabase serve(Path dataDir, DatabaseSettings settings) {
        var cluster = clusterOf(dataDir);
        var database = switch (claim(dataDir)) {
            case OwnerLock.Held held -> throw new InvalidSettings("data-dir", ("%s is in use by %s, which runs its embedded "
                    + "PostgreSQL; stop that process first, or give this server another --data-dir").formatted(
                    dataDir.toAbsolutePath().normalize(), held.owner()));
            case OwnerLock.Acquired acquired -> own(cluster, acquired.lock());
        };
        try {
            prepare(database, settings);
            database.owned.orElseThrow().supervise();
            return database;
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /**
     * For commands ({@code migrate}, {@code audit ...}): {@code dataDir}'s existing cluster. When a
     * live process owns it, its PostgreSQL is used as it is and never stopped here; otherwise this
     * process owns it until closed. Nothing is created: no cluster, no role, no database.
     *
     * @throws InvalidSettings ({@code data-dir}) when the data directory holds no Timestore database
     */
    public static EmbeddedDatabase existing(Path dataDir, DatabaseSettings settings) {
        var cluster = clusterOf(dataDir);
        if (!Files.isRegularFile(cluster.resolve("PG_VERSION"))) {
            throw noDatabase(dataDir, cluster + " holds no PostgreSQL cluster");
        }
        var database = switch (claim(dataDir)) {
            case OwnerLock.Held held -> attach(cluster, held, settings.connectTimeout());
            case OwnerLock.Acquired acquired -> own(cluster, acquired.lock());
        };
        try (var superuser = DriverManager.getConnection(database.jdbcUrl("postgres"), SUPERUSER, "");
             var statement = superuser.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            statement.setString(1, DATABASE);
            try (var rows = statement.executeQuery()) {
                if (!rows.next()) {
                    throw noDatabase(dataDir, "its PostgreSQL has no '" + DATABASE + "' database");
                }
            }
            return database;
        } catch (SQLException | RuntimeException e) {
            database.close();
            throw e instanceof SQLException sql
                    ? new IllegalStateException("cannot read the embedded database in " + cluster + ": " + sql.getMessage(), sql)
                    : (RuntimeException) e;
        }
    }

    /** Starts a cluster under {@code dataDir} owned by this process, for tests and tools; no roles, no supervision. */
    public static EmbeddedDatabase start(Path dataDir) {
        return switch (claim(dataDir)) {
            case OwnerLock.Held held -> throw new InvalidSettings("data-dir", "%s is in use by %s"
                    .formatted(dataDir.toAbsolutePath().normalize(), held.owner()));
            case OwnerLock.Acquired acquired -> own(clusterOf(dataDir), acquired.lock());
        };
    }

    public int port() {
        return port;
    }

    public Path directory() {
        return directory;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:%d/%s".formatted(port, database);
    }

    /** The owner and runtime roles on the {@code timestore} database; local trust authentication. */
    public DatabaseTarget target(DatabaseSettings settings) {
        return new DatabaseTarget(jdbcUrl(DATABASE), settings.ownerUser(), Secret.none(), settings.runtimeUser(),
                Secret.none(), settings.retentionUser(), Secret.none(), "embedded PostgreSQL in " + directory);
    }

    /**
     * Creates the schema-change event triggers as the cluster's superuser (the owner role that
     * migrates may not); after migrating, so their function exists.
     */
    public void installSchemaWatch() {
        try (var superuser = DriverManager.getConnection(jdbcUrl(DATABASE), SUPERUSER, "")) {
            SchemaWatch.install(superuser);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot install schema-change monitoring in " + directory + ": " + e.getMessage(), e);
        }
    }

    /** A superuser connection URL user name; embedded clusters use local trust authentication. */
    public static String superuser() {
        return SUPERUSER;
    }

    /** Stops the cluster if this process owns it; another owner's cluster keeps running. */
    @Override
    public void close() {
        if (owned.isPresent()) {
            try {
                owned.get().close();
            } catch (IOException e) {
                throw new UncheckedIOException("stopping embedded PostgreSQL in " + directory, e);
            }
        }
    }

    private static Path clusterOf(Path dataDir) {
        return dataDir.resolve("postgres").toAbsolutePath().normalize();
    }

    private static OwnerLock.Claim claim(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            return OwnerLock.claim(dataDir);
        } catch (IOException e) {
            throw new InvalidSettings("data-dir", "cannot lock %s: %s".formatted(dataDir.resolve(OwnerLock.LOCK_FILE), e.getMessage()), e);
        }
    }

    private static EmbeddedDatabase own(Path cluster, OwnerLock lock) {
        try {
            var owned = OwnedCluster.start(cluster, lock);
            return new EmbeddedDatabase(Optional.of(owned), owned.port(), cluster);
        } catch (IOException | IllegalStateException e) {
            throw new InvalidSettings("data-dir", "cannot start embedded PostgreSQL in %s: %s".formatted(cluster, e.getMessage()), e);
        }
    }

    /**
     * Uses the PostgreSQL that {@code owner} runs, on the port its pid file names. While the owner
     * is restarting it (see {@link Supervisor}) there is none for a moment: wait up to
     * {@code patience} for it.
     */
    private static EmbeddedDatabase attach(Path cluster, OwnerLock.Held owner, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        var postmaster = Postmaster.running(cluster);
        while (postmaster.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            postmaster = Postmaster.running(cluster);
        }
        var running = postmaster.orElseThrow(() -> new IllegalStateException(
                "%s owns %s but runs no PostgreSQL there; try again once it does".formatted(owner.owner(), cluster)));
        log.info("using the embedded PostgreSQL of {} in {} on port {}", owner.owner(), cluster, running.port());
        return new EmbeddedDatabase(Optional.empty(), running.port(), cluster);
    }

    private static void prepare(EmbeddedDatabase database, DatabaseSettings settings) {
        try (var superuser = DriverManager.getConnection(database.jdbcUrl("postgres"), SUPERUSER, "")) {
            Roles.ensureRoles(superuser, settings.ownerUser(), settings.runtimeUser(), settings.retentionUser());
            Roles.ensureDatabase(superuser, DATABASE, settings.ownerUser(), settings.runtimeUser(), settings.retentionUser());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the embedded database in " + database.directory + ": " + e.getMessage(), e);
        }
    }

    private static InvalidSettings noDatabase(Path dataDir, String why) {
        return new InvalidSettings("data-dir", ("no Timestore database in %s (%s); this command only reads an existing one: "
                + "pass --data-dir naming the data directory of a server that has run, or --db-url").formatted(
                dataDir.toAbsolutePath().normalize(), why));
    }
}
