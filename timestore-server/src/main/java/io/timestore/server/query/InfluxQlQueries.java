package io.timestore.server.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonToken;
import io.micrometer.core.instrument.Timer;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.RouteKind;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.config.InfluxQlSettings;
import io.timestore.server.config.PointsSettings;
import io.timestore.server.datasets.DatasetId;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.db.Cancellation;
import io.timestore.server.db.Transactions;
import io.timestore.server.influxql.InfluxQlSyntaxError;
import io.timestore.server.influxql.Parser;
import io.timestore.server.influxql.Statement;
import io.timestore.server.points.PointsMetrics;
import io.timestore.server.problems.ClientClosedRequest;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.NotFound;
import io.timestore.server.problems.ProblemType;
import io.timestore.server.shares.ShareService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * InfluxQL on Timestore's datasets (docs/influxql.md): parses the query, refuses statements that
 * would change anything, authorizes each statement's dataset exactly as the native query route
 * does ({@code dataset:read}, in the statement's own transaction), runs it with the same store and
 * limits, and answers in InfluxDB 1.x's JSON. Thread-safe.
 */
public final class InfluxQlQueries {
    /** One {@code /query} request, its parameters already read. */
    public record Request(String query, Optional<String> database, Optional<String> retentionPolicy, String epoch, boolean chunked,
                          int chunkSize, boolean csv) {
        public Request {
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(retentionPolicy, "retentionPolicy");
        }
    }

    private static final int MAX_AUDITED_STATEMENT = 4_000;
    private static final int DATASET_PAGE = 500;

    private final Transactions transactions;
    private final JsonFactory json;
    private final PointsMetrics metrics;
    private final DatasetService datasets;
    private final ShareService shares;
    private final InstantSource clock;
    private final int maxPoints;
    private final InfluxQlSettings.AuditedStatement auditedStatement;
    private final QueryStore store = new QueryStore();

    public InfluxQlQueries(Transactions transactions, JsonFactory json, PointsMetrics metrics, DatasetService datasets,
                           ShareService shares, PointsSettings settings, InfluxQlSettings influxql, InstantSource clock) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.json = Objects.requireNonNull(json, "json");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.datasets = Objects.requireNonNull(datasets, "datasets");
        this.shares = Objects.requireNonNull(shares, "shares");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxPoints = settings.maxPointsPerQuery();
        this.auditedStatement = influxql.auditStatement();
    }

    /**
     * Runs every statement of {@code request}; the response body. Once {@code cancellation} is
     * cancelled (the client went away), the statement running is cancelled in PostgreSQL, no further
     * one starts, and the request ends in 499 {@code client_closed_request}.
     */
    public byte[] run(SecurityContext security, RequestAudit audit, Request request, Cancellation cancellation) {
        auditStatement(audit, request.query());
        var epoch = InfluxQlResults.Epoch.of(request.epoch());
        List<Statement> statements;
        try {
            statements = Parser.parse(request.query());
        } catch (InfluxQlSyntaxError e) {
            throw new InvalidRequest(e.getMessage(), List.of(InvalidRequest.FieldError.at("/q",
                    "line %d, char %d".formatted(e.line(), e.column()))));
        }
        audit.detail("statements", statements.size());
        for (var statement : statements) {
            if (statement instanceof Statement.Refused refused) {
                audit.detail("refused", refused.kind());
                throw new InvalidRequest(ProblemType.STATEMENT_REFUSED, ("%s statements are refused: InfluxQL on Timestore only reads"
                        + " (SELECT and SHOW); change data through the write and dataset routes").formatted(refused.kind()));
            }
        }
        var targets = new ArrayList<ReadTarget>();
        for (var statement : statements) {
            targets.add(target(statement, request, security.tenant()));
        }
        var named = new LinkedHashSet<ReadTarget>();
        targets.stream().filter(Objects::nonNull).forEach(named::add);
        if (!named.isEmpty()) {
            var first = named.getFirst();
            audit.dataset(first.dataset());
            if (first.viaShare()) {
                audit.detail("owner_tenant", first.owner().value());
            }
            if (named.size() > 1) {
                audit.detail("datasets", String.join(",", named.stream().map(InfluxQlQueries::databaseName).toList()));
            }
        }
        long now = now();
        long[] regexBudget = {InfluxQlConditions.REGEX_BUDGET};
        var results = new ArrayList<InfluxQlResults.Result>();
        var sample = Timer.start();
        for (int i = 0; i < statements.size(); i++) {
            var statement = statements.get(i);
            if (cancellation.isCancelled()) {
                throw clientGone(i);
            }
            var series = statement instanceof Statement.ShowDatabases
                    ? databases(security)
                    : run(security, audit, targets.get(i), statement, now, regexBudget, cancellation, i);
            results.add(new InfluxQlResults.Result(i, series));
        }
        var out = new InfluxQlResults(json, epoch);
        var body = request.csv() ? out.writeCsv(results)
                : request.chunked() ? out.writeChunked(results, request.chunkSize()) : out.write(results);
        sample.stop(metrics.queryTimer("influxql"));
        return body;
    }

    /** {@code details.statement} as {@code influxql.audit-statement} says: redacted, as sent, or absent; cut to 4,000 characters. */
    private void auditStatement(RequestAudit audit, String query) {
        var audited = switch (auditedStatement) {
            case REDACTED -> Parser.redact(query);
            case FULL -> query;
            case NONE -> null;
        };
        if (audited != null) {
            audit.detail("statement", audited.length() > MAX_AUDITED_STATEMENT ? audited.substring(0, MAX_AUDITED_STATEMENT) + "…" : audited);
        }
    }

    /**
     * The dataset a statement reads: its own ({@code ON db}, {@code FROM db.rp.m}) or the request's
     * {@code db}; null for SHOW DATABASES. A database name {@code owner/dataset} names another
     * tenant's dataset shared with the caller's (a dataset id never holds {@code /}).
     */
    private static ReadTarget target(Statement statement, Request request, TenantId caller) {
        if (statement instanceof Statement.ShowDatabases) {
            return null;
        }
        var database = statement.database().or(request::database).orElseThrow(() -> new InvalidRequest(
                "database name required: give db (the dataset) or name it in the statement",
                List.of(InvalidRequest.FieldError.at("/db", "required"))));
        var policy = statement instanceof Statement.Select select ? select.from().retentionPolicy().or(request::retentionPolicy)
                : request.retentionPolicy();
        if (policy.filter(rp -> !rp.isEmpty() && !rp.equals("autogen")).isPresent()) {
            throw new NotFound("retention policy not found: %s (each dataset has the one policy autogen)".formatted(policy.get()));
        }
        int slash = database.indexOf('/');
        if (slash < 0) {
            if (!DatasetId.isValid(database)) {
                throw new NotFound("database not found: " + database);
            }
            return new ReadTarget(caller, database, false);
        }
        var owner = TenantId.parse(database.substring(0, slash));
        var dataset = database.substring(slash + 1);
        if (owner.isEmpty() || !DatasetId.isValid(dataset)) {
            throw new NotFound("database not found: " + database);
        }
        return new ReadTarget(owner.get(), dataset, true);
    }

    /** The name InfluxQL gives {@code target}: its dataset id, or {@code owner/dataset} for a shared one. */
    private static String databaseName(ReadTarget target) {
        return target.viaShare() ? target.owner().value() + "/" + target.dataset() : target.dataset();
    }

    /**
     * Runs one statement in the caller's tenant transaction, authorized as the native query route
     * authorizes the same dataset: {@code DatasetService.authorize} for its own, the share
     * ({@code ShareService.authorizeRead}) for another tenant's, whose rows row-level security
     * then shows while the share exists.
     */
    private List<InfluxQlResults.Series> run(SecurityContext security, RequestAudit audit, ReadTarget target, Statement statement,
                                             long now, long[] regexBudget, Cancellation cancellation, int index) {
        try {
            return transactions.inTenantWithGenericPlans(security.tenant(), connection -> cancellation.during(connection,
                    cancellable -> run(cancellable, security, audit, target, statement, now, regexBudget)));
        } catch (RuntimeException e) {
            if (cancellation.isCancelled()) {
                throw clientGone(index);
            }
            throw e;
        }
    }

    private static ClientClosedRequest clientGone(int statement) {
        return new ClientClosedRequest("the client went away; statement %d was cancelled".formatted(statement));
    }

    /** One statement in its transaction, on {@code connection}: authorizes its dataset, then reads it. */
    private List<InfluxQlResults.Series> run(Connection connection, SecurityContext security, RequestAudit audit,
                                             ReadTarget target, Statement statement, long now, long[] regexBudget) throws SQLException {
        var retention = target.viaShare()
                ? shares.authorizeRead(connection, security, target.owner(), target.dataset()).retentionDays()
                : datasets.authorize(connection, security, audit, target.dataset(), Action.DATASET_READ, RouteKind.QUERY).retentionDays();
        var owner = target.owner();
        var dataset = target.dataset();
        if (statement instanceof Statement.Select select) {
            return new InfluxQlSelect(store, this::stringMap, maxPoints)
                    .run(connection, owner, dataset, retention, select, now, regexBudget);
        }
        return new InfluxQlShow(store, this::stringMap, this::stringMap, maxPoints)
                .run(connection, owner, dataset, retention, statement, now, regexBudget);
    }

    /**
     * SHOW DATABASES: the caller's tenant's datasets it may read, by id, then the datasets shared
     * with its tenant that it may read, as {@code owner/dataset}.
     */
    private List<InfluxQlResults.Series> databases(SecurityContext security) {
        var rows = new ArrayList<List<Object>>();
        var after = "";
        while (true) {
            var page = datasets.page(security, after, DATASET_PAGE);
            for (var dataset : page) {
                if (datasets.allowed(security, dataset.resource(), Action.DATASET_READ)) {
                    if (rows.size() == maxPoints) {
                        throw new InvalidRequest("more than %d datasets to list".formatted(maxPoints));
                    }
                    rows.add(List.of(dataset.id()));
                }
            }
            if (page.size() < DATASET_PAGE) {
                break;
            }
            after = page.getLast().id();
        }
        var shared = shares.readable(security, maxPoints - rows.size());
        if (rows.size() + shared.size() > maxPoints) {
            throw new InvalidRequest("more than %d datasets to list".formatted(maxPoints));
        }
        shared.forEach(dataset -> rows.add(List.of(dataset.owner().value() + "/" + dataset.dataset())));
        return List.of(new InfluxQlResults.Series("databases", Map.of(), List.of("name"), rows));
    }

    /** A JSON object of string members (a series' tags, a tag set's field types) as a map. */
    private Map<String, String> stringMap(String text) {
        var map = new LinkedHashMap<String, String>();
        try (var parser = json.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                var name = parser.currentName();
                parser.nextToken();
                map.put(name, parser.getText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }

    private long now() {
        var instant = clock.instant();
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
