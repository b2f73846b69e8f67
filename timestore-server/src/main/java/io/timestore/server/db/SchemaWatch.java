package io.timestore.server.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The event triggers that record DDL on Timestore's schema into {@code schema_changes} (V27).
 * Only a superuser may create event triggers: the embedded database installs them as its
 * cluster's superuser after migrating; an external database needs its operator to run
 * {@link #INSTALL} once (docs/security.md). Whether they are in place is checked at every start
 * and by the reporter ({@code timestore_schema_watch_active}).
 */
public final class SchemaWatch {
    /** The triggers, by name, each with what it listens to. */
    static final List<String> TRIGGERS = List.of("timestore_schema_watch_ddl", "timestore_schema_watch_drop");
    /** What a superuser runs (in the Timestore database) to switch monitoring on. */
    public static final String INSTALL = """
            CREATE EVENT TRIGGER timestore_schema_watch_ddl ON ddl_command_end EXECUTE FUNCTION timestore_record_schema_change();
            CREATE EVENT TRIGGER timestore_schema_watch_drop ON sql_drop EXECUTE FUNCTION timestore_record_schema_change();""";
    private static final String ENABLED = """
            SELECT count(*) FROM pg_event_trigger
            WHERE evtname IN ('timestore_schema_watch_ddl', 'timestore_schema_watch_drop') AND evtenabled <> 'D'""";

    private SchemaWatch() {}

    /** Creates the event triggers that are missing; {@code superuser} is connected to the Timestore database. */
    public static void install(Connection superuser) throws SQLException {
        var events = List.of("ddl_command_end", "sql_drop");
        for (int i = 0; i < TRIGGERS.size(); i++) {
            try (var exists = superuser.prepareStatement("SELECT 1 FROM pg_event_trigger WHERE evtname = ?")) {
                exists.setString(1, TRIGGERS.get(i));
                try (var rows = exists.executeQuery()) {
                    if (rows.next()) {
                        continue;
                    }
                }
            }
            try (var create = superuser.createStatement()) {
                create.execute("CREATE EVENT TRIGGER %s ON %s EXECUTE FUNCTION timestore_record_schema_change()"
                        .formatted(TRIGGERS.get(i), events.get(i)));
            }
        }
    }

    /** Whether both triggers exist and are enabled. */
    public static boolean active(Connection connection) throws SQLException {
        try (var rows = connection.createStatement().executeQuery(ENABLED)) {
            return rows.next() && rows.getInt(1) == TRIGGERS.size();
        }
    }
}
