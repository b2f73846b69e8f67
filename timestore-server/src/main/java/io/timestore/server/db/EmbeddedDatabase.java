package io.timestore.server.db;

import io.timestore.server.config.DatabaseSettings;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.Secret;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17 running from the binaries jar, with its files under {@code <data-dir>/postgres}
 * so data survives restarts and a new user needs nothing but a JDK.
 *
 * <p>When another Timestore process already runs the cluster on this data directory (a CLI
 * command next to a running server), this attaches to it instead of starting a second one.
 * When a cluster is left running by a process that died (SIGKILL), it is stopped and restarted
 * cleanly so this process owns its lifecycle.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    static final String DATABASE = "timestore";
    private static final String OWNER_FILE = "timestore-owner.pid";
    private static final String SUPERUSER = "postgres";

    private final Optional<EmbeddedPostgres> owned;
    private final int port;
    private final Path directory;

    private EmbeddedDatabase(Optional<EmbeddedPostgres> owned, int port, Path directory) {
        this.owned = owned;
        this.port = port;
        this.directory = directory;
    }

    /** Starts (or attaches to) the cluster under {@code dataDir} and prepares roles and database. */
    public static EmbeddedDatabase open(Path dataDir, DatabaseSettings settings) {
        var directory = dataDir.resolve("postgres").toAbsolutePath();
        var database = attachToRunning(directory).orElseGet(() -> start(directory));
        try (var superuser = DriverManager.getConnection(database.jdbcUrl("postgres"), SUPERUSER, "")) {
            Roles.ensureRoles(superuser, settings.ownerUser(), settings.runtimeUser(), settings.retentionUser());
            Roles.ensureDatabase(superuser, DATABASE, settings.ownerUser(), settings.runtimeUser(), settings.retentionUser());
        } catch (SQLException e) {
            database.close();
            throw new IllegalStateException("cannot prepare the embedded database in " + directory + ": " + e.getMessage(), e);
        }
        return database;
    }

    /** Starts a fresh cluster for tests or tools, durable settings applied. */
    public static EmbeddedDatabase start(Path directory) {
        try {
            Files.createDirectories(directory);
            stopOrphanedPostmaster(directory);
            var postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // zonky passes -F (fsync off) and synchronous_commit=off: a commit the caller
                    // was told about must survive a power cut, so both are turned back on.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("listen_addresses", "localhost")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("logging_collector", "on")
                    .setServerConfig("log_directory", "log")
                    .start();
            recordOwner(directory);
            log.info("embedded PostgreSQL started in {} on port {}", directory, postgres.getPort());
            return new EmbeddedDatabase(Optional.of(postgres), postgres.getPort(), directory);
        } catch (IOException e) {
            throw new InvalidSettings("data-dir", "cannot start embedded PostgreSQL in %s: %s".formatted(directory, e.getMessage()), e);
        } catch (IllegalStateException e) {
            throw new InvalidSettings("data-dir", "cannot start embedded PostgreSQL in %s: %s".formatted(directory, e.getMessage()), e);
        }
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

    /** A superuser connection URL user name; embedded clusters use local trust authentication. */
    public static String superuser() {
        return SUPERUSER;
    }

    /** Stops the cluster if this process started it; an attached cluster keeps running. */
    @Override
    public void close() {
        if (owned.isPresent()) {
            try {
                owned.get().close();
                log.info("embedded PostgreSQL stopped");
            } catch (IOException e) {
                throw new UncheckedIOException("stopping embedded PostgreSQL in " + directory, e);
            }
        }
    }

    /**
     * A cluster whose postmaster is alive and whose owner process (another Timestore, or this JVM)
     * is alive belongs to a running Timestore: attach to its port (line 4 of postmaster.pid).
     */
    private static Optional<EmbeddedDatabase> attachToRunning(Path directory) {
        var pidFile = directory.resolve("postmaster.pid");
        var postmaster = livePostmaster(pidFile);
        if (postmaster.isEmpty() || !ownerAlive(directory)) {
            return Optional.empty();
        }
        log.info("attaching to the embedded PostgreSQL already running in {} on port {}", directory, postmaster.get().port());
        return Optional.of(new EmbeddedDatabase(Optional.empty(), postmaster.get().port(), directory));
    }

    /** A postmaster left running by a process that was killed: stop it so this one can own the cluster. */
    private static void stopOrphanedPostmaster(Path directory) {
        var postmaster = livePostmaster(directory.resolve("postmaster.pid"));
        if (postmaster.isEmpty()) {
            return;
        }
        if (ownerAlive(directory)) {
            throw new IllegalStateException("another process is running PostgreSQL in " + directory);
        }
        log.warn("stopping embedded PostgreSQL (pid {}) left running by a previous process", postmaster.get().pid());
        ProcessHandle.of(postmaster.get().pid()).ifPresent(process -> {
            // SIGTERM is PostgreSQL's smart shutdown; the dead process's sessions are already gone.
            process.destroy();
            try {
                process.onExit().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("orphaned PostgreSQL (pid %d) did not stop".formatted(postmaster.get().pid()), e);
            }
        });
    }

    private record Postmaster(long pid, int port) {}

    private static Optional<Postmaster> livePostmaster(Path pidFile) {
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).trim());
            int port = Integer.parseInt(lines.get(3).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> new Postmaster(pid, port));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** True when the process that started the cluster (recorded in the owner file) is still alive. */
    private static boolean ownerAlive(Path directory) {
        try {
            var owner = Long.parseLong(Files.readString(directory.resolve(OWNER_FILE)).trim());
            return ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static void recordOwner(Path directory) throws IOException {
        Files.writeString(directory.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
    }
}
