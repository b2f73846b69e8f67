package io.timestore.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.audit.AuditEvent;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DDL on Timestore's schema is recorded by event triggers; what Timestore's own migrations do is
 * expected, anything else becomes a {@code _platform} audit event of severity {@code security}
 * and is counted; with the triggers missing or disabled the server says so in a metric.
 */
class SchemaChangeMonitoringTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withDatabase(s.database().withSchemaWatchInterval(Duration.ofMillis(200))));

    @Test
    void a_migration_is_recorded_as_expected_and_ddl_run_directly_as_the_owner_becomes_one_security_event() throws SQLException {
        var reported = unexpectedCount();
        Migrations.migrate(server.postgres().target(server.database()), "classpath:db/test-migration");
        server.timestore().schemaChanges().report();

        var migration = changes("public.test_migration_probe");
        assertThat(migration).isNotEmpty().allSatisfy(change -> {
            assertThat(change.expected()).isTrue();
            assertThat(change.migration()).startsWith("900|test only probe table|");
        });
        assertThat(schemaChangeEvents()).isEmpty();
        assertThat(unexpectedCount()).isEqualTo(reported);

        try (var owner = server.postgres().owner(server.database()); var statement = owner.createStatement()) {
            statement.execute("ALTER TABLE tenants ADD COLUMN sneaky text");
        }

        Await.until("the direct DDL is a _platform audit event", Duration.ofSeconds(30), () -> !schemaChangeEvents().isEmpty());
        var events = schemaChangeEvents();
        assertThat(events).hasSize(1);
        var event = events.getFirst();
        assertThat(event.get("severity").asText()).isEqualTo("security");
        assertThat(event.path("actor").path("id").asText()).isEqualTo("timestore_owner");
        assertThat(event.path("operation").path("resource_type").asText()).isEqualTo("table");
        assertThat(event.path("operation").path("resource_id").asText()).isEqualTo("public.tenants");
        assertThat(event.path("details").path("command_tag").asText()).isEqualTo("ALTER TABLE");
        assertThat(changes("public.tenants")).singleElement().satisfies(change -> assertThat(change.expected()).isFalse());
        assertThat(unexpectedCount()).isEqualTo(reported + 1);
    }

    @Test
    void the_runtime_role_may_read_the_record_but_not_change_it() throws SQLException {
        try (var runtime = server.postgres().runtime(server.database()); var statement = runtime.createStatement()) {
            statement.execute("SELECT count(*) FROM schema_changes");
            for (var write : List.of("DELETE FROM schema_changes", "UPDATE schema_changes SET expected = true",
                    "INSERT INTO schema_changes (event, command_tag, session_role, acting_role, expected) VALUES ('x', 'x', 'x', 'x', true)")) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> statement.execute(write))
                        .as(write).isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            }
        }
    }

    @Test
    void disabled_triggers_show_in_the_watch_metric() throws SQLException {
        assertThat(active()).isEqualTo(1.0);
        try (var superuser = server.postgres().superuser(server.database()); var statement = superuser.createStatement()) {
            statement.execute("ALTER EVENT TRIGGER timestore_schema_watch_ddl DISABLE");
            try {
                server.timestore().schemaChanges().report();
                assertThat(active()).isZero();
            } finally {
                statement.execute("ALTER EVENT TRIGGER timestore_schema_watch_ddl ENABLE");
            }
        }
        server.timestore().schemaChanges().report();
        assertThat(active()).isEqualTo(1.0);
    }

    private record Change(boolean expected, String migration) {}

    private static List<Change> changes(String objectIdentityPrefix) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("SELECT expected, migration FROM schema_changes WHERE object_identity LIKE ? ORDER BY id")) {
            statement.setString(1, objectIdentityPrefix + "%");
            var found = new java.util.ArrayList<Change>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.add(new Change(rows.getBoolean(1), rows.getString(2)));
                }
            }
            return found;
        }
    }

    private static List<JsonNode> schemaChangeEvents() {
        return new AuditLog(server).eventsOf(AuditEvent.PLATFORM_PARTITION).stream()
                .filter(event -> event.path("operation").path("action").asText().equals("schema:change")).toList();
    }

    private static double unexpectedCount() {
        return server.timestore().registry().get("timestore.schema.changes.unexpected").counter().count();
    }

    private static double active() {
        return server.timestore().registry().get("timestore.schema.watch.active").gauge().value();
    }
}
