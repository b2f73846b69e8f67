package io.timestore.audit.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The explicit cross-tenant path of the audit schema's row-level security: a transaction with
 * {@code app.platform = 'on'} sees and writes every partition. Only the sequencer, verification and
 * operator tooling take it; a request's transaction never does.
 */
public final class PlatformPath {
    private static final String ENTER =
            "SELECT set_config('app.tenant_id', '', true), set_config('app.platform', 'on', true)";

    private PlatformPath() {}

    /** Puts the open (non-autocommit) transaction of {@code connection} on the platform path. */
    public static void enter(Connection connection) throws SQLException {
        try (var statement = connection.prepareStatement(ENTER)) {
            statement.execute();
        }
    }
}
