package io.timestore.server.db;

import io.timestore.audit.AuditSchema;
import java.sql.SQLException;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Version 3: the audit trail's tables, as the audit library defines them. A Java migration so the
 * schema has one source, the library, which other services using it apply the same way.
 */
final class AuditTrailMigration extends BaseJavaMigration {
    @Override
    protected void init() {
        extractVersionAndDescription("V3__audit_trail", "V", false);
    }

    @Override
    public Integer getChecksum() {
        return AuditSchema.checksum();
    }

    @Override
    public void migrate(Context context) throws SQLException {
        var runtimeRole = context.getConfiguration().getPlaceholders().get("runtime_role");
        try (var statement = context.getConnection().createStatement()) {
            statement.execute(AuditSchema.script(runtimeRole));
        }
    }
}
