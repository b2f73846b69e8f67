package io.timestore.server.db;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.timestore.security.TenantId;
import io.timestore.server.problems.Busy;
import io.timestore.server.problems.ProblemType;
import io.timestore.server.problems.Unavailable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The only way tenant data is touched: one transaction, the tenant set for that transaction
 * alone with {@code set_config('app.tenant_id', ?, true)}, commit only if the work returns.
 *
 * <p>The setting is transaction-local ({@code is_local = true}), so a pooled connection can never
 * carry a tenant into its next use, whatever the work did. Row-level security policies read it;
 * without it they match no rows. Thread-safe.
 */
public final class Transactions {
    private static final String SET_TENANT = "SELECT set_config('app.tenant_id', ?, true), set_config('app.platform', 'off', true)";
    // plan_cache_mode for this transaction alone: see inTenantWithGenericPlans.
    // Reads also run in one snapshot (REPEATABLE READ, sent in the same round trip): a read that
    // merges chunks with hot rows (query.ColdPoints) must not see a compaction group's commit
    // between its statements, or points it moved would be missing or doubled.
    private static final String SET_TENANT_GENERIC_PLANS = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; " + SET_TENANT
            + ", set_config('plan_cache_mode', 'force_generic_plan', true)";
    // plan_cache_mode alone, READ COMMITTED: see inTenantWritingWithGenericPlans.
    private static final String SET_TENANT_WRITING_GENERIC_PLANS = SET_TENANT + ", set_config('plan_cache_mode', 'force_generic_plan', true)";
    // synchronous_commit for this transaction alone: see inTenantWithoutFlushWait.
    private static final String SET_TENANT_NO_FLUSH_WAIT = SET_TENANT + ", set_config('synchronous_commit', 'off', true)";
    private static final String SET_PLATFORM = "SELECT set_config('app.tenant_id', '', true), set_config('app.platform', 'on', true)";
    private static final Logger log = LoggerFactory.getLogger(Transactions.class);
    /** PostgreSQL's insufficient_privilege, which a row-level security policy raises on a refused row. */
    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private final DataSource dataSource;
    private final Counter rlsViolations;
    private final MeterRegistry registry;
    private final Tracer tracer;

    public Transactions(DataSource dataSource) {
        this(dataSource, new SimpleMeterRegistry(), TracerProvider.noop().get("timestore"));
    }

    /**
     * As above, counting statements refused by row-level security
     * ({@code timestore_rls_violations_total}) and, inside a traced request, one span per transaction.
     */
    public Transactions(DataSource dataSource, MeterRegistry registry, Tracer tracer) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.rlsViolations = Counter.builder("timestore.rls.violations")
                .description("Statements refused by a row-level security policy: always a bug to investigate")
                .register(registry);
    }

    /**
     * Runs {@code work} in a transaction bound to {@code tenant}.
     *
     * @throws Unavailable when the database cannot be reached or the transaction fails for a
     *                     reason the client cannot fix
     */
    public <T> T inTenant(TenantId tenant, TenantWork<T> work) {
        return inTenant(tenant, SET_TENANT, work);
    }

    /**
     * As {@link #inTenant}, with PostgreSQL told to use the generic plan of every prepared statement
     * of this transaction instead of planning it again for each execution's values. For the point
     * reads, whose statements (row-level security on four tables, tag subqueries) take milliseconds
     * to plan and well under one to run: left to choose, PostgreSQL kept re-planning them on every
     * request whenever the statistics made the generic plan's estimate look dearer than the custom
     * one, and the cheap read then cost about 3 ms of database CPU instead of 1. Only for statements
     * whose SQL names exactly the conditions in use on indexed columns (no {@code ? IS NULL OR ...}
     * there), so the generic plan can use the indexes. The transaction is REPEATABLE READ, so all
     * its statements see one snapshot; for reads only (a write in it could fail to serialize).
     */
    public <T> T inTenantWithGenericPlans(TenantId tenant, TenantWork<T> work) {
        return inTenant(tenant, SET_TENANT_GENERIC_PLANS, work);
    }

    /**
     * As {@link #inTenant} (READ COMMITTED), with the generic plan of every prepared statement of
     * this transaction, as {@link #inTenantWithGenericPlans} does for reads. For the write path,
     * whose statements take the write's values as arrays ({@code unnest(?::text[])}): PostgreSQL
     * estimates the rows of an array it can see (a custom plan) and assumes ten for a parameter
     * (the generic plan), so for a write of fewer than ten series or fields the generic plan
     * looked dearer and every execution was planned again. Their plans do not depend on the values,
     * but for the series quota's count, which sets custom plans around itself (ingest.PointsStore).
     */
    public <T> T inTenantWritingWithGenericPlans(TenantId tenant, TenantWork<T> work) {
        return inTenant(tenant, SET_TENANT_WRITING_GENERIC_PLANS, work);
    }

    /**
     * As {@link #inTenantWritingWithGenericPlans}, with the transaction's first statement sent as
     * {@link #inTenantFrom} sends it: the BEGIN, the settings and that statement in one round trip.
     * For the writes, whose first statement holds the dataset's row. {@code sql} must be exactly one
     * SELECT; its parameters are numbered from 2 (1 is the tenant), bound by {@code parameters}.
     */
    public <T> T inTenantWritingWithGenericPlansFrom(TenantId tenant, String sql, Parameters parameters, AfterFirst<T> work) {
        return inTenantFrom(tenant, SET_TENANT_WRITING_GENERIC_PLANS, 1, sql, parameters, work);
    }

    /**
     * As {@link #inTenant}, with the commit not waiting for its WAL to reach the disk
     * ({@code synchronous_commit = off} for this transaction alone). Only for work whose loss in a
     * crash changes no answer and breaks no promise, such as a compaction group (data that is
     * folded again from its hot rows if the fold is lost). A crash loses such a transaction
     * whole or not at all, never half of it; and any later transaction that commits durably also
     * makes it durable, as the WAL is flushed in order.
     */
    public <T> T inTenantWithoutFlushWait(TenantId tenant, TenantWork<T> work) {
        return inTenant(tenant, SET_TENANT_NO_FLUSH_WAIT, work);
    }

    /** {@code setting}: one of the SET_TENANT statements, its one parameter the tenant. */
    private <T> T inTenant(TenantId tenant, String setting, TenantWork<T> work) {
        Objects.requireNonNull(tenant, "tenant");
        return inTransaction("tenant", connection -> {
            try (var statement = connection.prepareStatement(setting)) {
                statement.setString(1, tenant.value());
                statement.execute();
            }
            return work.run(connection);
        });
    }

    /**
     * Runs {@code work} as platform work: no tenant, and {@code app.platform = 'on'}, which only
     * the policies written for platform operators accept (tenant management, cross-tenant audit
     * reads). This is the one explicit cross-tenant path; callers must have checked that the
     * principal is a platform operator.
     */
    public <T> T asPlatform(TenantWork<T> work) {
        return inTransaction("platform", connection -> {
            try (var statement = connection.prepareStatement(SET_PLATFORM)) {
                statement.execute();
            }
            return work.run(connection);
        });
    }

    /** Binds the parameters of one statement. */
    @FunctionalInterface
    public interface Parameters {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** Reads the rows of one statement. */
    @FunctionalInterface
    public interface Rows<T> {
        T read(ResultSet rows) throws SQLException;
    }

    /**
     * One SELECT as platform work (as {@link #asPlatform}) in one round trip: the driver sends the
     * transaction's BEGIN, the platform setting, the statement and its COMMIT in one execution, and
     * its {@code commit()} after it finds the transaction already ended. For the lookups on every
     * request's path (an API token by id). The transaction is explicit on purpose: in auto-commit
     * the setting and the statement would share only PostgreSQL's implicit transaction, which ends at
     * the next Sync, and the driver sends a Sync of its own in the middle of an execution when it
     * expects a large result (seen with {@code stringtype=unspecified} past its prepare threshold:
     * the SELECT then ran without the setting). {@code sql} must be exactly one SELECT (a second
     * statement would run with platform rights and its result be ignored). The setting takes no
     * parameters: the statement's are numbered from 1.
     */
    public <T> T selectAsPlatform(String sql, Parameters parameters, Rows<T> rows) {
        return inTransaction("platform", connection ->
                afterSetting(connection, SET_PLATFORM, 1, sql + ";\nCOMMIT", parameters, (result, ignored) -> rows.read(result)));
    }

    /**
     * One SELECT in a transaction bound to {@code tenant}, in one round trip, as
     * {@link #selectAsPlatform} sends its own: the BEGIN, the tenant setting, the statement and its
     * COMMIT in one execution. For the lookups on a request's path that need no more of the
     * transaction (the dataset's row an authorization decision reads). {@code sql} must be exactly
     * one SELECT; its parameters are numbered from 2 (1 is the tenant), bound by {@code parameters}.
     */
    public <T> T selectInTenant(TenantId tenant, String sql, Parameters parameters, Rows<T> rows) {
        Objects.requireNonNull(tenant, "tenant");
        return inTransaction("tenant", connection -> afterSetting(connection, SET_TENANT, 1, sql + ";\nCOMMIT", statement -> {
            statement.setString(1, tenant.value());
            parameters.bind(statement);
        }, (result, ignored) -> rows.read(result)));
    }

    /**
     * Sends {@code setting} and {@code sql} (one SELECT) in one execution, binds both with
     * {@code parameters} (the setting's first), and hands the SELECT's rows to {@code work};
     * {@code settingResults}: how many results the setting's statements give before the SELECT's.
     */
    private static <T> T afterSetting(Connection connection, String setting, int settingResults, String sql,
                                      Parameters parameters, AfterFirst<T> work) throws SQLException {
        try (var statement = connection.prepareStatement(setting + ";\n" + sql)) {
            parameters.bind(statement);
            // Every row is read within the execution: with a COMMIT sent after the SELECT (as
            // selectAsPlatform sends it) a fetch size from the URL (defaultRowFetchSize) would leave
            // the rows past its first chunk in a portal the COMMIT closed ("portal does not exist").
            statement.setFetchSize(0);
            statement.execute(); // the setting's own results (a row; a SET's count) come first
            for (int i = 0; i < settingResults; i++) {
                if (!statement.getMoreResults() && i == settingResults - 1) {
                    throw new IllegalStateException("the statement after the setting returned no rows");
                }
            }
            try (var rows = statement.getResultSet()) {
                return work.run(rows, connection);
            }
        }
    }

    /** Continues a transaction after its first statement, given that statement's rows. */
    @FunctionalInterface
    public interface AfterFirst<T> {
        T run(ResultSet firstRows, Connection connection) throws SQLException;
    }

    /**
     * As {@link #inTenant}, with the transaction's first statement sent in one execution with the
     * tenant setting, so the driver puts the BEGIN, the setting and that statement in a single
     * round trip; {@code work} then reads its rows and may run further statements in the same
     * transaction. For the audited reads whose answer waits on every round trip (the log's proofs).
     * {@code sql} must be exactly one SELECT whose parameters are {@code parameters}, in order
     * (bound with {@code setObject}): a second statement would be read as the first's rows.
     */
    public <T> T inTenantFrom(TenantId tenant, String sql, List<?> parameters, AfterFirst<T> work) {
        return inTenantFrom(tenant, SET_TENANT, 1, sql, parameters, work);
    }

    /**
     * As {@link #inTenantWithGenericPlans}, with the transaction's first statement sent as
     * {@link #inTenantFrom} sends it: the BEGIN, {@code SET TRANSACTION ISOLATION LEVEL REPEATABLE
     * READ}, the settings and that statement in one round trip (the isolation level still comes
     * before the transaction's first snapshot). For the point reads, whose first statement is the
     * dataset's row their authorization needs.
     */
    public <T> T inTenantWithGenericPlansFrom(TenantId tenant, String sql, List<?> parameters, AfterFirst<T> work) {
        return inTenantFrom(tenant, SET_TENANT_GENERIC_PLANS, 2, sql, parameters, work);
    }

    /**
     * As {@link #inTenantWithGenericPlansFrom(TenantId, String, List, AfterFirst)}, where {@code sql}
     * may be several statements, all sent in the same round trip: {@code parameters} binds them from
     * parameter 2 on (1 is the tenant), and {@code work} gets the first statement's rows; the others'
     * follow on its statement ({@code firstRows.getStatement().getMoreResults()}), every row already
     * received (no fetch size).
     */
    public <T> T inTenantWithGenericPlansFrom(TenantId tenant, String sql, Parameters parameters, AfterFirst<T> work) {
        return inTenantFrom(tenant, SET_TENANT_GENERIC_PLANS, 2, sql, parameters, work);
    }

    private <T> T inTenantFrom(TenantId tenant, String setting, int settingResults, String sql, List<?> parameters,
                               AfterFirst<T> work) {
        return inTenantFrom(tenant, setting, settingResults, sql, statement -> {
            for (int i = 0; i < parameters.size(); i++) {
                statement.setObject(i + 2, parameters.get(i));
            }
        }, work);
    }

    /** {@code parameters} binds from parameter 2 on; 1 is the tenant. */
    private <T> T inTenantFrom(TenantId tenant, String setting, int settingResults, String sql, Parameters parameters,
                               AfterFirst<T> work) {
        Objects.requireNonNull(tenant, "tenant");
        return inTransaction("tenant", connection -> afterSetting(connection, setting, settingResults, sql, statement -> {
            statement.setString(1, tenant.value());
            parameters.bind(statement);
        }, work));
    }

    /**
     * Runs {@code work} in a transaction with the tenant explicitly cleared: tenant tables show
     * no rows, even if some earlier misbehaving work left a session-level value behind.
     */
    public <T> T withoutTenant(TenantWork<T> work) {
        return inTransaction("no_tenant", connection -> {
            try (var statement = connection.prepareStatement(SET_TENANT)) {
                statement.setString(1, "");
                statement.execute();
            }
            return work.run(connection);
        });
    }

    private <T> T inTransaction(String scope, TenantWork<T> work) {
        // Only transactions of a traced request get a span: background work would start a trace each.
        if (!Span.current().getSpanContext().isValid()) {
            return inTransaction(work, scope);
        }
        var span = tracer.spanBuilder("db.transaction").setSpanKind(SpanKind.CLIENT)
                .setAttribute("db.system.name", "postgresql")
                .setAttribute("timestore.db.scope", scope)
                .startSpan();
        try (var ignored = span.makeCurrent()) {
            return inTransaction(work, scope);
        } catch (RuntimeException | Error e) {
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }

    private <T> T inTransaction(TenantWork<T> work, String scope) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw new Unavailable(ProblemType.DATABASE_UNAVAILABLE, "the database is not reachable; retry later", e);
        }
        try (connection) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit(); // nothing to send when the work's own COMMIT ended the transaction
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                countIfRefusedByRowSecurity(e, scope);
                rollbackQuietly(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            if (e instanceof SQLTransientException || connectionLost(e.getSQLState())) {
                throw new Unavailable(ProblemType.DATABASE_UNAVAILABLE, "the database is not reachable; retry later", e);
            }
            if (rolledBackByConflict(e.getSQLState())) {
                throw conflict(e, e);
            }
            throw new DatabaseFailure(e);
        } catch (DatabaseFailure e) { // the work's own wrapping of a statement's SQLException
            if (rolledBackByConflict(e.sqlState())) {
                throw conflict((SQLException) e.getCause(), e);
            }
            throw e;
        }
    }

    /**
     * PostgreSQL rolled the transaction back to break a deadlock (40P01) or because it could not
     * be serialized (40001): the other transaction goes on, nothing of this one was kept, and the
     * same request run again usually succeeds. A hand-written transaction that locks in another
     * order than the server's (docs/data-plane.md, "Locks and how long they are waited for") is the
     * usual cause: 503 with {@code Retry-After}, not 500.
     */
    static boolean rolledBackByConflict(String sqlState) {
        return "40P01".equals(sqlState) || "40001".equals(sqlState);
    }

    private static Busy conflict(SQLException rolledBack, Exception cause) {
        // Logged: the caller hears a retryable 503, but a cycle between two of the server's own
        // transactions would be a lock-order bug, and the database's message names the locks.
        log.warn("the database rolled a transaction back to let a conflicting one finish (request_id={}): {}",
                Objects.requireNonNullElse(MDC.get("request_id"), "-"), rolledBack.getMessage());
        return new Busy(ProblemType.TRANSACTION_CONFLICT,
                "the database rolled the request's transaction back to let a conflicting one finish; nothing was changed, retry", cause);
    }

    /**
     * The session went away under the transaction: a connection exception (class 08) or the
     * server ending it (57P01 admin shutdown or pg_terminate_backend, 57P02 crash shutdown, 57P03
     * cannot connect now). Nothing was committed, so the caller may retry: 503, not 500.
     */
    static boolean connectionLost(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01") || sqlState.equals("57P02")
                || sqlState.equals("57P03"));
    }

    /**
     * A statement a row-level security policy refused means application code tried to touch
     * another tenant's rows (or the platform's without saying so): the policy held, but it is a bug.
     */
    private void countIfRefusedByRowSecurity(Throwable e, String scope) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && INSUFFICIENT_PRIVILEGE.equals(sql.getSQLState())
                    && sql.getMessage() != null && sql.getMessage().toLowerCase(Locale.ROOT).contains("row-level security")) {
                rlsViolations.increment();
                // In a tenant's transaction the row belonged to another tenant; in one without a
                // tenant (platform path, explicitly none) the work needed a tenant it did not set.
                Counter.builder("timestore.rls.anomalies")
                        .description("Statements refused by row-level security, by kind: policy_violation (a row of another "
                                + "tenant, in a tenant's transaction) or tenant_setting_missing (a tenant's row touched "
                                + "in a transaction that set no tenant)")
                        .tag("kind", "tenant".equals(scope) ? "policy_violation" : "tenant_setting_missing")
                        .register(registry).increment();
                log.error("row-level security refused a statement (request_id={}): {}",
                        Objects.requireNonNullElse(MDC.get("request_id"), "-"), sql.getMessage());
                return;
            }
        }
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }
}
