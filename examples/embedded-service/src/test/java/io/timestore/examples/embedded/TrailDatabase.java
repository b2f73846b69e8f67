package io.timestore.examples.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL for the example's tests (zonky, as in timestore-audit's tests), set up the way a
 * deployment is: an owner role that owns the schema, a runtime role the service serves through
 * ({@code NOSUPERUSER NOBYPASSRLS}, owner of nothing), the schema applied by {@link ServiceSchema}.
 */
final class TrailDatabase implements AutoCloseable {
    static final String OWNER = "notes_owner";
    static final String RUNTIME = "notes_runtime";
    private static final String DATABASE = "notes";

    private final EmbeddedPostgres postgres;

    private TrailDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    static TrailDatabase start() {
        try {
            var postgres = EmbeddedPostgres.builder()
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .start();
            var database = new TrailDatabase(postgres);
            try (var superuser = database.dataSource("postgres", "postgres").getConnection();
                 var statement = superuser.createStatement()) {
                statement.execute("CREATE ROLE " + OWNER + " LOGIN NOSUPERUSER NOBYPASSRLS");
                statement.execute("CREATE ROLE " + RUNTIME + " LOGIN NOSUPERUSER NOBYPASSRLS");
                statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + OWNER);
            }
            try (var owner = database.owner().getConnection(); var statement = owner.createStatement()) {
                statement.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC");
                statement.execute("GRANT USAGE ON SCHEMA public TO " + RUNTIME);
            }
            ServiceSchema.apply(database.owner(), RUNTIME);
            return database;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the roles", e);
        }
    }

    DataSource owner() {
        return dataSource(DATABASE, OWNER);
    }

    DataSource runtime() {
        return dataSource(DATABASE, RUNTIME);
    }

    /**
     * Rows of a query run as the owner on the platform path ({@code app.platform = 'on'}: FORCE ROW
     * LEVEL SECURITY binds the owner too), each row as its columns' text.
     */
    List<List<String>> rows(String sql, Object... parameters) {
        try (Connection connection = owner().getConnection()) {
            connection.setAutoCommit(false);
            try (var platform = connection.prepareStatement("SELECT set_config('app.platform', 'on', true)")) {
                platform.execute();
            }
            try (var statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    statement.setObject(i + 1, parameters[i]);
                }
                var result = new ArrayList<List<String>>();
                try (var rows = statement.executeQuery()) {
                    int columns = rows.getMetaData().getColumnCount();
                    while (rows.next()) {
                        var row = new ArrayList<String>();
                        for (int c = 1; c <= columns; c++) {
                            row.add(rows.getString(c));
                        }
                        result.add(row);
                    }
                }
                connection.commit();
                return result;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("owner query failed: " + sql, e);
        }
    }

    private PGSimpleDataSource dataSource(String database, String user) {
        var dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {"localhost"});
        dataSource.setPortNumbers(new int[] {postgres.getPort()});
        dataSource.setDatabaseName(database);
        dataSource.setUser(user);
        return dataSource;
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
