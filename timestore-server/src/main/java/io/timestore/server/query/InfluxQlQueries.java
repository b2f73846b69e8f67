package io.timestore.server.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonToken;
import io.micrometer.core.instrument.Timer;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.RouteKind;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.config.InfluxQlSettings;
import io.timestore.server.config.PointsSettings;
import io.timestore.server.datasets.DatasetId;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.db.Transactions;
import io.timestore.server.influxql.InfluxQlSyntaxError;
import io.timestore.server.influxql.Parser;
import io.timestore.server.influxql.Statement;
import io.timestore.server.points.PointsMetrics;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.NotFound;
import io.timestore.server.problems.ProblemType;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    private final InstantSource clock;
    private final int maxPoints;
    private final InfluxQlSettings.AuditedStatement auditedStatement;
    private final QueryStore store = new QueryStore();

    public InfluxQlQueries(Transactions transactions, JsonFactory json, PointsMetrics metrics, DatasetService datasets,
                           PointsSettings settings, InfluxQlSettings influxql, InstantSource clock) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.json = Objects.requireNonNull(json, "json");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.datasets = Objects.requireNonNull(datasets, "datasets");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxPoints = settings.maxPointsPerQuery();
        this.auditedStatement = influxql.auditStatement();
    }

    /** Runs every statement of {@code request}; the response body. */
    public byte[] run(SecurityContext security, RequestAudit audit, Request request) {
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
        var targets = new ArrayList<String>();
        for (var statement : statements) {
            targets.add(target(statement, request));
        }
        var named = new LinkedHashSet<String>();
        targets.stream().filter(Objects::nonNull).forEach(named::add);
        if (!named.isEmpty()) {
            audit.dataset(named.getFirst());
            if (named.size() > 1) {
                audit.detail("datasets", String.join(",", named));
            }
        }
        long now = now();
        long[] regexBudget = {InfluxQlConditions.REGEX_BUDGET};
        var results = new ArrayList<InfluxQlResults.Result>();
        var sample = Timer.start();
        for (int i = 0; i < statements.size(); i++) {
            var statement = statements.get(i);
            var series = statement instanceof Statement.ShowDatabases
                    ? databases(security)
                    : run(security, audit, targets.get(i), statement, now, regexBudget);
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

    /** The dataset a statement reads: its own ({@code ON db}, {@code FROM db.rp.m}) or the request's {@code db}; null for SHOW DATABASES. */
    private static String target(Statement statement, Request request) {
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
        if (!DatasetId.isValid(database)) {
            throw new NotFound("database not found: " + database);
        }
        return database;
    }

    private List<InfluxQlResults.Series> run(SecurityContext security, RequestAudit audit, String dataset, Statement statement, long now,
                                             long[] regexBudget) {
        return transactions.inTenantWithGenericPlans(security.tenant(), connection -> {
            var authorized = datasets.authorize(connection, security, audit, dataset, Action.DATASET_READ, RouteKind.QUERY);
            var retention = authorized.retentionDays();
            if (statement instanceof Statement.Select select) {
                return new InfluxQlSelect(store, this::stringMap, maxPoints)
                        .run(connection, security.tenant(), dataset, retention, select, now, regexBudget);
            }
            return new InfluxQlShow(store, this::stringMap, this::stringMap, maxPoints)
                    .run(connection, security.tenant(), dataset, retention, statement, now, regexBudget);
        });
    }

    /** SHOW DATABASES: the caller's tenant's datasets it may read, by id. */
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
