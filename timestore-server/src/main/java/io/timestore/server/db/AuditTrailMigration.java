package io.timestore.server.db;

import io.timestore.audit.store.AuditSchema;
import java.sql.SQLException;
import java.util.List;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * The audit trail's tables, as the audit library defines them: each of the library's schema
 * scripts is one Flyway version here. Java migrations so the schema has one source, the library,
 * which other services using it apply the same way.
 */
final class AuditTrailMigration extends BaseJavaMigration {
    private final int schemaVersion;

    private AuditTrailMigration(String flywayName, int schemaVersion) {
        this.schemaVersion = schemaVersion;
        extractVersionAndDescription(flywayName, "V", false);
    }

    /** Every audit schema script, with the Flyway version it runs as. */
    static List<AuditTrailMigration> all() {
        var migrations = List.of(
                new AuditTrailMigration("V3__audit_trail", 1),
                new AuditTrailMigration("V11__audit_pending_without_foreign_key", 2),
                new AuditTrailMigration("V13__audit_pending_canonical_bytes", 3),
                new AuditTrailMigration("V15__audit_policies_read_the_tenant_once", 4),
                new AuditTrailMigration("V23__audit_merkle_trees", 5),
                new AuditTrailMigration("V24__audit_delivery_cursors", 6),
                new AuditTrailMigration("V33__audit_tree_hashes_in_seals", 7),
                new AuditTrailMigration("V39__audit_events_as_sent", 8),
                new AuditTrailMigration("V40__audit_seals_by_arrival", 9),
                new AuditTrailMigration("V41__audit_events_by_arrival", 10));
        if (migrations.size() != AuditSchema.LATEST) {
            throw new IllegalStateException("the audit library has schema scripts without a migration");
        }
        return migrations;
    }

    @Override
    protected void init() {
        // The version and description are set in the constructor, one instance per script.
    }

    @Override
    public Integer getChecksum() {
        return AuditSchema.checksum(schemaVersion);
    }

    @Override
    public void migrate(Context context) throws SQLException {
        var runtimeRole = context.getConfiguration().getPlaceholders().get("runtime_role");
        try (var statement = context.getConnection().createStatement()) {
            statement.execute(AuditSchema.script(schemaVersion, runtimeRole));
        }
    }
}
