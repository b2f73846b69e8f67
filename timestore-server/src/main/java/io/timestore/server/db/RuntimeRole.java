package io.timestore.server.db;

import io.timestore.server.config.InvalidSettings;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;

/**
 * Refuses to serve through a runtime role that could step around row-level security: a
 * superuser, a role with BYPASSRLS, a member of the owner role, or the owner of any relation.
 * Checked at every start, so a misconfigured external database stops Timestore instead of
 * silently weakening tenant isolation.
 */
final class RuntimeRole {
    private static final String ATTRIBUTES = """
            SELECT r.rolsuper, r.rolbypassrls, pg_has_role(current_user, ?, 'MEMBER') AS member_of_owner,
                   (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid
                       AND c.relnamespace = 'public'::regnamespace) AS owned_relations
            FROM pg_roles r WHERE r.rolname = current_user
            """;

    private RuntimeRole() {}

    static void verify(DatabaseTarget target) {
        if (target.runtimeUser().equals(target.ownerUser())) {
            throw new InvalidSettings("database.runtime-user",
                    "must differ from database.user (%s): the owner of the tables is not bound by row-level security"
                            .formatted(target.ownerUser()));
        }
        try (var connection = DriverManager.getConnection(target.jdbcUrl(), target.runtimeUser(),
                     target.runtimePassword().reveal().orElse(""));
             var statement = connection.prepareStatement(ATTRIBUTES)) {
            statement.setString(1, target.ownerUser());
            try (var rows = statement.executeQuery()) {
                rows.next();
                var problems = new ArrayList<String>();
                if (rows.getBoolean("rolsuper")) {
                    problems.add("is a superuser");
                }
                if (rows.getBoolean("rolbypassrls")) {
                    problems.add("has BYPASSRLS");
                }
                if (rows.getBoolean("member_of_owner")) {
                    problems.add("is a member of the owner role " + target.ownerUser());
                }
                if (rows.getLong("owned_relations") > 0) {
                    problems.add("owns " + rows.getLong("owned_relations") + " relation(s)");
                }
                if (!problems.isEmpty()) {
                    throw new InvalidSettings("database.runtime-user", "role %s %s; it could bypass row-level security"
                            .formatted(target.runtimeUser(), String.join(", ", problems)));
                }
            }
        } catch (SQLException e) {
            throw new InvalidSettings("database.runtime-user", "cannot connect to %s as %s: %s"
                    .formatted(target.maskedUrl(), target.runtimeUser(), e.getMessage()), e);
        }
    }
}
