package io.timestore.server.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.regex.Pattern;

/**
 * Creates the owner and runtime roles and a database for them, as a superuser. Used for the
 * embedded database and by the test harness; an operator of an external database runs the
 * equivalent statements in docs/configuration.md once.
 *
 * <p>Role and database names cannot be bind parameters in DDL. They come only from validated
 * configuration and are checked against a strict identifier pattern here as well, then quoted.
 */
public final class Roles {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private Roles() {}

    public static void ensureRoles(Connection superuser, String ownerRole, String runtimeRole, String retentionRole)
            throws SQLException {
        ensureRole(superuser, ownerRole);
        ensureRole(superuser, runtimeRole);
        ensureRole(superuser, retentionRole);
    }

    /** Creates {@code database} owned by the owner role if it does not exist, then grants access. */
    public static void ensureDatabase(Connection superuser, String database, String ownerRole, String runtimeRole,
                                      String retentionRole) throws SQLException {
        if (!exists(superuser, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
            try (var statement = superuser.createStatement()) {
                statement.execute("CREATE DATABASE %s OWNER %s ENCODING 'UTF8' TEMPLATE template0"
                        .formatted(quote(database), quote(ownerRole)));
            }
        }
        grantDatabaseAccess(superuser, database, runtimeRole, retentionRole);
    }

    /**
     * Database-level privileges are not copied from a template, so every database, cloned or
     * created, gets them here: nobody but the runtime role may connect (besides owner and
     * superusers), and it may create temporary tables for staged bulk ingestion.
     */
    public static void grantDatabaseAccess(Connection superuser, String database, String runtimeRole, String retentionRole)
            throws SQLException {
        try (var statement = superuser.createStatement()) {
            statement.execute("REVOKE ALL ON DATABASE %s FROM PUBLIC".formatted(quote(database)));
            statement.execute("GRANT CONNECT, TEMPORARY ON DATABASE %s TO %s".formatted(quote(database), quote(runtimeRole)));
            statement.execute("GRANT CONNECT ON DATABASE %s TO %s".formatted(quote(database), quote(retentionRole)));
        }
    }

    private static void ensureRole(Connection superuser, String role) throws SQLException {
        if (!exists(superuser, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
            try (var statement = superuser.createStatement()) {
                statement.execute("CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
                        .formatted(quote(role)));
            }
        }
    }

    /** Whether {@code lookup} (a {@code SELECT 1 ... WHERE name = ?} of a catalog) finds {@code name}. */
    private static boolean exists(Connection superuser, String lookup, String name) throws SQLException {
        try (var statement = superuser.prepareStatement(lookup)) {
            statement.setString(1, name);
            try (var rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    static String quote(String identifier) {
        if (!IDENTIFIER.matcher(identifier).matches()) {
            throw new IllegalArgumentException("not a plain lower-case identifier: " + identifier);
        }
        return '"' + identifier + '"';
    }
}
