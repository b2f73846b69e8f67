package io.timestore.examples.embedded;

import io.timestore.audit.store.AuditSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Creates the service's schema on an empty database: the audit library's scripts
 * ({@link AuditSchema}, versions 1 to {@link AuditSchema#LATEST}, in order), then the service's own
 * {@code notes} table. Runs as the schema owner; {@code runtimeRole} is the role the service serves
 * through. A real service applies each script once as one migration of its migration tool (Timestore
 * does so with Flyway, one migration per audit script), so that a later library version adds only
 * its new scripts.
 */
public final class ServiceSchema {
    private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private ServiceSchema() {}

    /** Applies every script in one transaction as the owner. */
    public static void apply(DataSource owner, String runtimeRole) {
        if (!ROLE.matcher(runtimeRole).matches()) {
            throw new IllegalArgumentException("runtime role must be a plain lower-case identifier");
        }
        try (Connection connection = owner.getConnection(); var statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            for (int version = 1; version <= AuditSchema.LATEST; version++) {
                statement.execute(AuditSchema.script(version, runtimeRole));
            }
            statement.execute(notesScript().replace("${runtime_role}", runtimeRole));
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the service's schema (SQLState " + e.getSQLState() + ")", e);
        }
    }

    private static String notesScript() {
        try (InputStream in = ServiceSchema.class.getResourceAsStream("notes.sql")) {
            if (in == null) {
                throw new IllegalStateException("notes.sql is missing from the example");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
