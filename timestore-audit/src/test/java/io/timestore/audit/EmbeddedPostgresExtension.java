package io.timestore.audit;

import io.timestore.audit.store.AuditSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One real PostgreSQL per test JVM, shared by every test that asks for an {@link AuditDatabase}
 * parameter. Each parameter is a fresh database (cloned from a template that already has the
 * audit schema), so tests never see each other's rows, advisory locks aside.
 *
 * <p>The cluster lives in the root context's store, which closes it when the test plan ends.
 * Durability is switched back on (zonky starts PostgreSQL with fsync off), because the group
 * commit tests are about what a durable commit costs.
 */
public final class EmbeddedPostgresExtension implements ParameterResolver {
    static final String OWNER = "audit_owner";
    static final String RUNTIME = "audit_runtime";
    private static final String TEMPLATE = "audit_template";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == AuditDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Cluster cluster = context.getRoot().getStore(ExtensionContext.Namespace.create(EmbeddedPostgresExtension.class))
                .computeIfAbsent(Cluster.class, key -> Cluster.start(), Cluster.class);
        return cluster.newDatabase();
    }

    /** The shared cluster; closed by JUnit with the root store. */
    static final class Cluster implements AutoCloseable {
        private final EmbeddedPostgres postgres;
        private final AtomicInteger databases = new AtomicInteger();

        private Cluster(EmbeddedPostgres postgres) {
            this.postgres = postgres;
        }

        static Cluster start() {
            try {
                var postgres = EmbeddedPostgres.builder()
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .setServerConfig("fsync", "on")
                        .setServerConfig("synchronous_commit", "on")
                        .setServerConfig("max_connections", "200")
                        .start();
                var cluster = new Cluster(postgres);
                cluster.prepare();
                return cluster;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
        }

        private void prepare() {
            try (var superuser = dataSource("postgres", "postgres").getConnection();
                 var statement = superuser.createStatement()) {
                statement.execute("CREATE ROLE " + OWNER + " LOGIN NOSUPERUSER NOBYPASSRLS");
                statement.execute("CREATE ROLE " + RUNTIME + " LOGIN NOSUPERUSER NOBYPASSRLS");
                statement.execute("CREATE DATABASE " + TEMPLATE + " OWNER " + OWNER);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot prepare roles", e);
            }
            try (var owner = dataSource(TEMPLATE, OWNER).getConnection();
                 var statement = owner.createStatement()) {
                statement.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC");
                statement.execute("GRANT USAGE ON SCHEMA public TO " + RUNTIME);
                for (int version = 1; version <= AuditSchema.LATEST; version++) {
                    statement.execute(AuditSchema.script(version, RUNTIME));
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot apply the audit schema", e);
            }
        }

        AuditDatabase newDatabase() {
            String name = "audit_" + databases.incrementAndGet();
            try (var superuser = dataSource("postgres", "postgres").getConnection();
                 var statement = superuser.createStatement()) {
                statement.execute("CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE + " OWNER " + OWNER + " STRATEGY FILE_COPY");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create database " + name, e);
            }
            return new AuditDatabase(name, dataSource(name, OWNER), dataSource(name, RUNTIME), dataSource(name, "postgres"), postgres.getPort());
        }

        PGSimpleDataSource dataSource(String database, String user) {
            var dataSource = new PGSimpleDataSource();
            dataSource.setServerNames(new String[] {"localhost"});
            dataSource.setPortNumbers(new int[] {postgres.getPort()});
            dataSource.setDatabaseName(database);
            dataSource.setUser(user);
            dataSource.setReWriteBatchedInserts(true);
            return dataSource;
        }

        @Override
        public void close() throws IOException {
            postgres.close();
        }
    }
}
