package io.timestore.examples.embedded;

import io.timestore.security.TenantId;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The service's SQL. Every transaction runs in exactly one tenant: {@code app.tenant_id} is set
 * with {@code set_config(..., true)} (transaction-local, so a pooled connection never carries a
 * tenant into its next use) and every statement still names {@code tenant_id}; row-level security
 * is the second line, not the first.
 */
final class NotesStore {
    private static final String ENTER_TENANT = "SELECT set_config('app.tenant_id', ?, true)";

    /** One note as stored. */
    record Note(UUID id, String body) {}

    /** Work inside a tenant's open transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection transaction) throws SQLException;
    }

    private final DataSource runtime;

    /** @param runtime connections as the runtime role (no owner rights, no BYPASSRLS) */
    NotesStore(DataSource runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /** Runs {@code work} in one transaction of {@code tenant} and commits it. */
    <T> T inTenant(TenantId tenant, Work<T> work) throws SQLException {
        try (Connection connection = runtime.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (var enter = connection.prepareStatement(ENTER_TENANT)) {
                    enter.setString(1, tenant.value());
                    enter.execute();
                }
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    List<Note> list(TenantId tenant) throws SQLException {
        return inTenant(tenant, connection -> {
            try (var select = connection.prepareStatement(
                    "SELECT note_id, body FROM notes WHERE tenant_id = ? ORDER BY created_at, note_id")) {
                select.setString(1, tenant.value());
                try (var rows = select.executeQuery()) {
                    var notes = new ArrayList<Note>();
                    while (rows.next()) {
                        notes.add(new Note(rows.getObject(1, UUID.class), rows.getString(2)));
                    }
                    return notes;
                }
            }
        });
    }

    /** Inserts a note inside the caller's tenant transaction (see {@link #inTenant}). */
    static Note insert(Connection transaction, TenantId tenant, String body) throws SQLException {
        var note = new Note(UUID.randomUUID(), body);
        try (var insert = transaction.prepareStatement("INSERT INTO notes (tenant_id, note_id, body) VALUES (?, ?, ?)")) {
            insert.setString(1, tenant.value());
            insert.setObject(2, note.id());
            insert.setString(3, body);
            insert.executeUpdate();
        }
        return note;
    }
}
