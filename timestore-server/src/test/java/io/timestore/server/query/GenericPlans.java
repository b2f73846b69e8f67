package io.timestore.server.query;

import io.timestore.security.TenantId;
import io.timestore.server.testing.TimestoreServer;
import java.util.List;
import java.util.stream.Collectors;

/** Plans of the query package's statements, as the routes run them: generic plans, as the runtime role, in a tenant's read transaction. */
final class GenericPlans {
    private GenericPlans() {}

    /**
     * {@code EXPLAIN (options)} of the generic plan of {@code statement} (JDBC placeholders) with
     * {@code values}, in {@code tenant}'s read transaction: the statement is prepared by SQL (its
     * {@code ?} numbered), executed under the EXPLAIN and deallocated.
     */
    static String explain(TimestoreServer server, String tenant, String options, String statement, List<Object> values) {
        var sql = new StringBuilder();
        int parameter = 0;
        for (char c : statement.toCharArray()) {
            sql.append(c == '?' ? "$" + ++parameter : String.valueOf(c));
        }
        var literals = values.stream().map(v -> v instanceof String text ? "'" + text.replace("'", "''") + "'" : v.toString())
                .collect(Collectors.joining(", "));
        return server.timestore().database().transactions().inTenantWithGenericPlans(new TenantId(tenant), connection -> {
            try (var explain = connection.createStatement()) {
                explain.execute("PREPARE planned AS " + sql);
                try (var rows = explain.executeQuery("EXPLAIN (" + options + ") EXECUTE planned(" + literals + ")")) {
                    rows.next();
                    return rows.getString(1);
                } finally {
                    explain.execute("DEALLOCATE planned");
                }
            }
        });
    }
}
