package io.timestore.server.db;

import java.sql.SQLException;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

/**
 * Marks the session of each migration Timestore applies ({@code timestore.migration =
 * 'version|description|checksum'}), so the schema-change trigger records its DDL as expected
 * (V27); the marker is cleared when the migration ends. DDL without the marker is unexpected.
 */
final class MigrationMarker implements Callback {
    static final String SETTING = "timestore.migration";

    @Override
    public boolean supports(Event event, Context context) {
        return event == Event.BEFORE_EACH_MIGRATE || event == Event.AFTER_EACH_MIGRATE || event == Event.AFTER_EACH_MIGRATE_ERROR;
    }

    @Override
    public boolean canHandleInTransaction(Event event, Context context) {
        return true;
    }

    @Override
    public void handle(Event event, Context context) {
        var info = context.getMigrationInfo();
        var marker = event == Event.BEFORE_EACH_MIGRATE && info != null
                ? "%s|%s|%s".formatted(info.getVersion(), info.getDescription(), info.getChecksum())
                : "";
        try (var statement = context.getConnection().prepareStatement("SELECT set_config(?, ?, false)")) {
            statement.setString(1, SETTING);
            statement.setString(2, marker);
            statement.execute();
        } catch (SQLException e) {
            throw new FlywayException("cannot mark the migration's session: " + e.getMessage(), e);
        }
    }

    @Override
    public String getCallbackName() {
        return "timestore-migration-marker";
    }
}
