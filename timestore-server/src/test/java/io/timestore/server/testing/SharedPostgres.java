package io.timestore.server.testing;

import io.timestore.server.config.Secret;
import io.timestore.server.db.DatabaseTarget;
import io.timestore.server.db.EmbeddedDatabase;
import io.timestore.server.db.Migrations;
import io.timestore.server.db.Roles;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one embedded PostgreSQL of a test JVM. Started on first use, with the owner and runtime
 * roles and a template database migrated once; each test class clones the template into a
 * database of its own (a file-level copy, far faster than migrating again).
 */
public final class SharedPostgres implements AutoCloseable {
    public static final String OWNER = "timestore_owner";
    public static final String RUNTIME = "timestore_app";
    public static final String RETENTION = "timestore_retention";
    private static final String TEMPLATE = "timestore_template";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedPostgres.class);

    private final EmbeddedDatabase cluster;
    private final AtomicInteger databases = new AtomicInteger();

    private final Path directory;

    private SharedPostgres(EmbeddedDatabase cluster, Path directory) {
        this.cluster = cluster;
        this.directory = directory;
    }

    /** The JVM-wide instance, kept in JUnit's root store and closed when the run ends. */
    public static SharedPostgres in(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(SharedPostgres.class, key -> start(), SharedPostgres.class);
    }

    /**
     * A cluster of its own, for test engines without JUnit Jupiter's root store (jqwik); the
     * caller closes it.
     */
    public static SharedPostgres standalone() {
        return start();
    }

    private static SharedPostgres start() {
        var directory = Directories.temporary("timestore-test-pg");
        SharedPostgres shared = null;
        try {
            shared = new SharedPostgres(EmbeddedDatabase.start(directory), directory);
            try (var superuser = shared.superuser("postgres")) {
                Roles.ensureRoles(superuser, OWNER, RUNTIME, RETENTION);
                Roles.ensureDatabase(superuser, TEMPLATE, OWNER, RUNTIME, RETENTION);
            }
            Migrations.migrate(shared.target(TEMPLATE));
            try (var superuser = shared.superuser(TEMPLATE)) {
                // As in embedded mode: monitoring on, so each clone records DDL from the start.
                io.timestore.server.db.SchemaWatch.install(superuser);
            }
            return shared;
        } catch (SQLException | RuntimeException e) {
            // Stop the cluster and remove its files: nothing else would, once start-up failed.
            if (shared != null) {
                shared.close();
            } else {
                Directories.delete(directory);
            }
            throw e instanceof SQLException ? new IllegalStateException("cannot prepare the shared test database", e) : (RuntimeException) e;
        }
    }

    /** A new database cloned from the migrated template, with the runtime role's access granted. */
    public String createDatabase(String prefix) {
        var name = (prefix.toLowerCase().replaceAll("[^a-z0-9]", "_") + "_" + databases.incrementAndGet());
        name = name.length() > 60 ? name.substring(name.length() - 60) : name;
        if (!Character.isLetter(name.charAt(0))) {
            name = "t" + name.substring(1);
        }
        try (var superuser = superuser("postgres"); var statement = superuser.createStatement()) {
            statement.execute("CREATE DATABASE \"%s\" TEMPLATE %s OWNER %s".formatted(name, TEMPLATE, OWNER));
            Roles.grantDatabaseAccess(superuser, name, RUNTIME, RETENTION);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot clone the template into " + name, e);
        }
        return name;
    }

    /**
     * The URL of {@code database}, with TLS explicitly off: the test cluster listens on localhost
     * without a certificate ({@code PostgresTlsTest} runs one with TLS).
     */
    public String jdbcUrl(String database) {
        return cluster.jdbcUrl(database) + "?sslmode=disable";
    }

    public int port() {
        return cluster.port();
    }

    public DatabaseTarget target(String database) {
        return new DatabaseTarget(jdbcUrl(database), OWNER, Secret.none(), RUNTIME, Secret.none(), RETENTION, Secret.none(),
                "shared test PostgreSQL");
    }

    /** A superuser connection; for test set-up and for tampering that no server role could do. */
    public Connection superuser(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), EmbeddedDatabase.superuser(), "");
    }

    /** A connection as the owner role, e.g. to tamper with audit rows the runtime role cannot touch. */
    public Connection owner(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), OWNER, "");
    }

    /** A connection as the runtime role, exactly what the server uses. */
    public Connection runtime(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), RUNTIME, "");
    }

    /**
     * How many backends of {@code database} wait for a lock now, read on a connection of its own
     * (the activity view is read once per transaction), for tests that hold a lock and wait for the
     * server to run into it.
     */
    public long backendsWaitingForLocks(String database) {
        try (var superuser = superuser(database);
             var statement = superuser.prepareStatement(
                     "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND wait_event_type = 'Lock'")) {
            statement.setString(1, database);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        cluster.close();
        Directories.delete(directory);
    }
}
