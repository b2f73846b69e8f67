package io.timestore.server.query;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.http.ClientDisconnects;
import io.timestore.server.http.Representations;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * InfluxDB 1.x's {@code GET /query} and {@code POST /query} ({@code dataset:read} on every dataset
 * a statement reads, a query route for the legacy global query scope): InfluxQL in {@code q} (the
 * query string, or the form body of a POST), {@code db} the dataset, {@code epoch},
 * {@code chunked}/{@code chunk_size}. Credentials as InfluxDB 1.x clients send them are mapped by
 * {@code http.Gate}; errors carry InfluxDB's {@code error} member and {@code X-Influxdb-Error}
 * header ({@code http.Problems}). See docs/influxql.md.
 */
public final class InfluxQlRoutes implements RouteGroup {
    private static final ApiOperation QUERY = ApiOperation.read("dataset:read", "points", "dataset");
    private static final Set<String> PARAMETERS = Set.of("q", "db", "rp", "epoch", "chunked", "chunk_size", "pretty", "u", "p",
            "params");
    private static final int DEFAULT_CHUNK_SIZE = 10_000;
    /** InfluxDB 1.x's two answers: JSON (the default) and CSV with {@code Accept: application/csv}. */
    private static final List<String> PRODUCES = List.of(Representations.JSON, "application/csv");

    private final InfluxQlQueries queries;

    public InfluxQlRoutes(InfluxQlQueries queries) {
        this.queries = queries;
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.GET, "/query", QUERY, PRODUCES, this::query);
        routes.api(HandlerType.POST, "/query", QUERY, PRODUCES, this::query);
    }

    private void query(Context ctx, SecurityContext security, RequestAudit audit) {
        for (var name : ctx.queryParamMap().keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw new InvalidRequest("unknown query parameter " + name,
                        List.of(FieldError.at("/" + name, "expected one of " + new java.util.TreeSet<>(PARAMETERS))));
            }
        }
        if (parameter(ctx, "params").isPresent()) {
            throw new InvalidRequest("bound parameters (params) are not supported", List.of(FieldError.at("/params", "not supported")));
        }
        var q = parameter(ctx, "q").filter(text -> !text.isBlank()).orElseThrow(() -> new InvalidRequest(
                "missing required parameter \"q\"", List.of(FieldError.at("/q", "required"))));
        boolean chunked = parameter(ctx, "chunked").map(value -> value.equals("true")).orElse(false);
        boolean csv = !Representations.choose(ctx, PRODUCES).equals(Representations.JSON);
        if (csv) {
            audit.detail("format", "csv");
        }
        var request = new InfluxQlQueries.Request(q, parameter(ctx, "db").filter(db -> !db.isEmpty()),
                parameter(ctx, "rp").filter(rp -> !rp.isEmpty()), parameter(ctx, "epoch").orElse(null), chunked, chunkSize(ctx), csv);
        byte[] body;
        try (var client = ClientDisconnects.watch(ctx)) {
            body = queries.run(security, audit, request, client.cancellation());
        }
        ctx.contentType(csv ? "application/csv; charset=utf-8" : "application/json").result(body);
    }

    /** A parameter from the query string or, for a POST, the form body; at most once. */
    private static Optional<String> parameter(Context ctx, String name) {
        var values = new java.util.ArrayList<>(ctx.queryParams(name));
        if (ctx.method() == HandlerType.POST && isForm(ctx)) {
            values.addAll(ctx.formParams(name));
        }
        if (values.size() > 1) {
            throw new InvalidRequest(name + " must be given at most once", List.of(FieldError.at("/" + name, "repeated")));
        }
        return values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    private static boolean isForm(Context ctx) {
        var type = ctx.contentType();
        return type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    private static int chunkSize(Context ctx) {
        var text = parameter(ctx, "chunk_size");
        if (text.isEmpty()) {
            return DEFAULT_CHUNK_SIZE;
        }
        try {
            int size = Integer.parseInt(text.get());
            if (size > 0) {
                return size;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new InvalidRequest("chunk_size must be a positive integer", List.of(FieldError.at("/chunk_size", "not a positive integer")));
    }
}
