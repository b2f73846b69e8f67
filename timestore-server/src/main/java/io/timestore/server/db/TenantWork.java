package io.timestore.server.db;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done inside one transaction; its result is returned once the transaction commits. */
@FunctionalInterface
public interface TenantWork<T> {
    T run(Connection connection) throws SQLException;
}
