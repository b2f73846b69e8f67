package io.timestore.server.query;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.config.Durations;
import io.timestore.server.config.PointsSettings;
import io.timestore.server.datasets.DatasetRoutes;
import io.timestore.server.http.ClientDisconnects;
import io.timestore.server.http.CursorScope;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.Listing;
import io.timestore.server.http.Pages;
import io.timestore.server.http.Representations;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.influxql.Expr;
import io.timestore.server.influxql.Statement.Fill;
import io.timestore.server.points.Rfc3339;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reading points ({@code dataset:read}, a query route for the legacy global query scope):
 * {@code GET .../query} (raw points, or aggregates with {@code step} and {@code agg}) and
 * {@code GET .../series}. Points older than the dataset's retention are never returned.
 *
 * <p>The same two reads of another tenant's dataset shared with the caller's tenant (BR-003):
 * {@code GET /storage/v1/shared/{owner}/datasets/{dataset}/query} and {@code .../series}, allowed
 * when the share exists and the caller holds its scope (never by the legacy global query scope).
 *
 * <p>Over 400 lines because every parameter of both read routes (tag filters, windows, fill,
 * aggregates, transforms, zones, paging, representation) is parsed and checked here into one
 * {@link PointsQuery} before any transaction, so that bad input is refused in one place.
 */
public final class QueryRoutes implements RouteGroup {
    private static final ApiOperation QUERY = ApiOperation.read("dataset:read", "points", "dataset");
    private static final ApiOperation SERIES = ApiOperation.read("dataset:read", "points", "dataset");
    private static final String SHARED = "/storage/v1/shared/{owner}/datasets/{dataset}";
    private static final Set<String> QUERY_PARAMETERS = Set.of("measurement", "field", "start", "end", "limit", "cursor",
            "epoch", "step", "agg", "p", "group_by", "fill", "tz", "transform", "unit", "n");
    private static final Set<String> AGGREGATE_ONLY = Set.of("p", "group_by", "fill", "tz", "transform", "unit", "n");
    private static final Set<String> SERIES_PARAMETERS = Set.of("measurement", "field", "limit", "cursor");

    private final QueryService queries;
    private final Cursors cursors;
    private final PointsSettings settings;
    private final InstantSource clock;

    public QueryRoutes(QueryService queries, Cursors cursors, PointsSettings settings, InstantSource clock) {
        this.queries = queries;
        this.cursors = cursors;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.GET, "/storage/v1/datasets/{dataset}/query", QUERY, QueryFormat.MEDIA_TYPES,
                (ctx, security, audit) -> query(ctx, security, audit, own(ctx, security, audit)));
        routes.api(HandlerType.GET, "/storage/v1/datasets/{dataset}/series", SERIES, (ctx, security, audit) -> series(ctx, security, audit, own(ctx, security, audit)));
        routes.api(HandlerType.GET, SHARED + "/query", QUERY, QueryFormat.MEDIA_TYPES,
                (ctx, security, audit) -> query(ctx, security, audit, shared(ctx, security, audit)));
        routes.api(HandlerType.GET, SHARED + "/series", SERIES, (ctx, security, audit) -> series(ctx, security, audit, shared(ctx, security, audit)));
    }

    private ReadTarget own(Context ctx, SecurityContext security, RequestAudit audit) {
        var id = DatasetRoutes.datasetId(ctx);
        audit.dataset(id);
        return new ReadTarget(security.tenant(), id, false);
    }

    private ReadTarget shared(Context ctx, SecurityContext security, RequestAudit audit) {
        var owner = TenantId.parse(ctx.pathParam("owner")).orElseThrow(() -> new InvalidRequest(
                "owner must be a tenant id matching ^[a-z0-9][a-z0-9-]{1,62}$", List.of(FieldError.at("/owner", "not a tenant id"))));
        var id = DatasetRoutes.datasetId(ctx);
        audit.dataset(id).detail("owner_tenant", owner.value());
        return new ReadTarget(owner, id, true);
    }

    /** Parses the whole request, then the service authorizes and queries in one transaction; writes its result. */
    private void query(Context ctx, SecurityContext security, RequestAudit audit, ReadTarget target) {
        var format = QueryFormat.of(Representations.choose(ctx, QueryFormat.MEDIA_TYPES));
        if (format == QueryFormat.CSV) {
            audit.detail("format", "csv");
        }
        var query = pointsQuery(ctx, security, target, format);
        QueryService.QueryResult result;
        try (var client = ClientDisconnects.watch(ctx)) {
            result = queries.query(security, audit, query, client.cancellation());
        }
        result.nextCursor().ifPresent(cursor -> ctx.header("Link", "<%s>; rel=\"next\"".formatted(nextPage(ctx, cursor))));
        ctx.contentType(format.contentType()).result(result.body());
    }

    /** The URL of the next page: this request's path and parameters with {@code cursor} set to the next one. */
    private static String nextPage(Context ctx, String cursor) {
        var url = new StringBuilder(ctx.path()).append('?');
        ctx.queryParamMap().forEach((name, values) -> {
            if (!name.equals("cursor")) {
                values.forEach(value -> url.append(encode(name)).append('=').append(encode(value)).append('&'));
            }
        });
        return url.append("cursor=").append(encode(cursor)).toString();
    }

    private static String encode(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The query as a value, every parameter checked (in the order the errors have always been reported). */
    private PointsQuery pointsQuery(Context ctx, SecurityContext security, ReadTarget target, QueryFormat format) {
        var filter = filter(ctx, QUERY_PARAMETERS);
        var range = range(ctx, now());
        boolean epochNanos = epochNanos(ctx);
        var step = optional(ctx, "step");
        var agg = optional(ctx, "agg");
        if (step.isPresent() != agg.isPresent()) {
            throw new InvalidRequest("step and agg go together: give both for aggregates, neither for raw points",
                    List.of(FieldError.at(step.isPresent() ? "/agg" : "/step", "required with " + (step.isPresent() ? "step" : "agg"))));
        }
        if (step.isPresent()) {
            return new PointsQuery(target, filter, range, format, epochNanos, aggregation(ctx, step.get(), agg.get()));
        }
        for (var name : AGGREGATE_ONLY) {
            if (ctx.queryParam(name) != null) {
                throw new InvalidRequest(name + " goes with step and agg (aggregates)", List.of(FieldError.at("/" + name, "only with step and agg")));
            }
        }
        var scope = filter.boundTo(target.scope(Listing.RAW_POINTS, security))
                .with("start", time(ctx, "start").map(String::valueOf))
                .with("end", time(ctx, "end").map(String::valueOf));
        return new PointsQuery(target, filter, range, format, epochNanos, rawPage(ctx, scope));
    }

    /**
     * One page of raw points. The cursor is bound to the request's own {@code start} and {@code end}
     * (as nanoseconds), not to the range after the retention horizon raised its start: the horizon
     * moves with the clock, and a cursor must stay valid from one page to the next.
     */
    private PointsQuery.RawPage rawPage(Context ctx, CursorScope scope) {
        int limit = limit(ctx);
        var after = cursors.after(ctx, scope, position -> new QueryService.Position(position.int64(), position.int64()))
                .orElse(new QueryService.Position(0, Long.MIN_VALUE));
        return new PointsQuery.RawPage(limit, after, scope);
    }

    /**
     * Aggregates per step. Whether the range holds too many steps is the service's to check: the
     * range it reads starts no earlier than the dataset's retention horizon.
     */
    private static PointsQuery.Aggregation aggregation(Context ctx, String stepText, String aggText) {
        if (ctx.queryParam("cursor") != null || ctx.queryParam("limit") != null) {
            throw new InvalidRequest("aggregate queries take no limit or cursor; they are bounded by the time range and step");
        }
        long step = step(stepText);
        var aggregate = Aggregate.find(aggText).orElseThrow(() -> new InvalidRequest(
                "agg must be one of " + Aggregate.NAMES,
                List.of(FieldError.at("/agg", "unknown aggregate " + aggText))));
        double argument = percentile(ctx, aggregate);
        var groupBy = optional(ctx, "group_by").map(QueryRoutes::groupBy);
        var fill = optional(ctx, "fill").map(QueryRoutes::fill).orElse(new Fill.None());
        if (ctx.queryParam("start") == null) {
            throw new InvalidRequest("aggregate queries need start", List.of(FieldError.at("/start", "required with step")));
        }
        var transform = transform(ctx);
        if (transform.isPresent() && !(fill instanceof Fill.None)) {
            throw new InvalidRequest("fill does not apply to a transform: it gives values only where the aggregate has some",
                    List.of(FieldError.at("/fill", "not with transform")));
        }
        return new PointsQuery.Aggregation(windows(ctx, step), stepText, aggregate, argument, groupBy, fill, transform);
    }

    /**
     * {@code transform}: derivative or non_negative_derivative (with an optional {@code unit}, the
     * step by default), difference, non_negative_difference, or moving_average (with {@code n}
     * values), over the aggregate's windows, as InfluxQL's functions of those names.
     */
    private static Optional<InfluxQlTransform> transform(Context ctx) {
        var name = optional(ctx, "transform");
        boolean derivative = name.filter(function -> function.endsWith("derivative")).isPresent();
        boolean average = name.filter("moving_average"::equals).isPresent();
        if (ctx.queryParam("unit") != null && !derivative) {
            throw new InvalidRequest("unit goes with transform=derivative or non_negative_derivative",
                    List.of(FieldError.at("/unit", "only with a derivative")));
        }
        if (ctx.queryParam("n") != null && !average) {
            throw new InvalidRequest("n goes with transform=moving_average", List.of(FieldError.at("/n", "only with moving_average")));
        }
        if (name.isEmpty()) {
            return Optional.empty();
        }
        if (!InfluxQlTransform.FUNCTIONS.contains(name.get())) {
            throw new InvalidRequest("transform must be one of " + new java.util.TreeSet<>(InfluxQlTransform.FUNCTIONS),
                    List.of(FieldError.at("/transform", "unknown transform " + name.get())));
        }
        long unit = optional(ctx, "unit").map(text -> positive(text, "unit")).orElse(0L);
        int points = 0;
        if (average) {
            var text = optional(ctx, "n").orElseThrow(() -> new InvalidRequest("transform=moving_average needs n, the number of values",
                    List.of(FieldError.at("/n", "required with moving_average"))));
            points = text.matches("[0-9]{1,5}") ? Integer.parseInt(text) : 0;
            if (points < 1 || points > 10_000) {
                throw new InvalidRequest("n must be an integer from 1 to 10000, got '%s'".formatted(text),
                        List.of(FieldError.at("/n", "expected 1-10000")));
            }
        }
        return Optional.of(new InfluxQlTransform(name.get(), unit, points));
    }

    /** The windows of {@code step}: with {@code tz} and a step of whole days, local days of that zone. */
    private static Windows windows(Context ctx, long step) {
        try {
            return new Windows(step, optional(ctx, "tz").map(Windows::zone));
        } catch (InvalidRequest e) {
            throw new InvalidRequest(e.getMessage(), List.of(FieldError.at("/tz", "not a usable time zone for this step")));
        }
    }

    /** {@code p}: the percentile of agg=percentile (0 to 100), required there and nowhere else. */
    private static double percentile(Context ctx, Aggregate aggregate) {
        var text = optional(ctx, "p");
        if (!aggregate.takesArgument()) {
            if (text.isPresent()) {
                throw new InvalidRequest("p goes with agg=percentile only", List.of(FieldError.at("/p", "only with agg=percentile")));
            }
            return 0;
        }
        try {
            double p = Double.parseDouble(text.orElseThrow(() -> new InvalidRequest("agg=percentile needs p, the percentile from 0 to 100",
                    List.of(FieldError.at("/p", "required with agg=percentile")))));
            if (p >= 0 && p <= 100) {
                return p;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new InvalidRequest("p must be a number from 0 to 100, got '%s'".formatted(text.get()),
                List.of(FieldError.at("/p", "expected 0-100")));
    }

    /** {@code group_by}: tag keys separated by commas, each once. */
    private static List<String> groupBy(String text) {
        var keys = List.of(text.split(",", -1));
        if (keys.stream().anyMatch(String::isEmpty) || Set.copyOf(keys).size() != keys.size()) {
            throw new InvalidRequest("group_by must be tag keys separated by commas, each once, e.g. group_by=host,region; got '%s'"
                    .formatted(text), List.of(FieldError.at("/group_by", "not a list of tag keys")));
        }
        keys.forEach(key -> requireStorable(key, "group_by"));
        return keys;
    }

    /** {@code fill}: none (the default), null, previous, linear or a number. */
    private static Fill fill(String text) {
        return switch (text) {
            case "none" -> new Fill.None();
            case "null" -> new Fill.Null();
            case "previous" -> new Fill.Previous();
            case "linear" -> new Fill.Linear();
            default -> {
                try {
                    yield new Fill.Value(text.matches("-?[0-9]{1,18}") ? (Number) Long.parseLong(text) : (Number) finite(text));
                } catch (NumberFormatException e) {
                    throw new InvalidRequest("fill must be none, null, previous, linear or a number; got '%s'".formatted(text),
                            List.of(FieldError.at("/fill", "unknown fill")));
                }
            }
        };
    }

    private static double finite(String text) {
        double value = Double.parseDouble(text);
        if (!Double.isFinite(value) || !text.matches("[-+0-9.eE]+")) {
            throw new NumberFormatException(text);
        }
        return value;
    }

    private void series(Context ctx, SecurityContext security, RequestAudit audit, ReadTarget target) {
        var filter = filter(ctx, SERIES_PARAMETERS);
        int limit = Pages.limit(ctx);
        var scope = filter.boundTo(target.scope(Listing.SERIES, security));
        var after = cursors.after(ctx, scope, position -> List.of(position.text(), position.text())).orElse(List.of("", "{}"));
        var body = queries.series(security, audit, new SeriesListing(target, filter, limit, after.get(0), after.get(1), scope));
        ctx.contentType("application/json").result(body);
    }

    /**
     * The series filter: {@code measurement}, {@code field} and the tag filters. {@code tag.<k>=v}
     * is an equality and {@code tag.<k>=~re} (a value starting with {@code ~}) a regular
     * expression; {@code tag.<k>!=v} and {@code tag.<k>!=~re} their negations. Several values of
     * one key are OR-ed ({@code tag.host=a&tag.host=b}), several negations AND-ed, keys AND-ed.
     * Lone equalities go through the series index; anything else becomes the filter's condition.
     */
    private static SeriesFilter filter(Context ctx, Set<String> known) {
        var equalities = new HashMap<String, String>();
        var terms = new java.util.ArrayList<Expr>();
        boolean beyondEqualities = false;
        for (Map.Entry<String, List<String>> parameter : new java.util.TreeMap<>(ctx.queryParamMap()).entrySet()) {
            var name = parameter.getKey();
            if (name.startsWith("tag.") && name.length() > 4) {
                boolean negated = name.endsWith("!");
                var key = requireStorable(name.substring(4, name.length() - (negated ? 1 : 0)), name);
                if (key.isEmpty()) {
                    throw new InvalidRequest("a tag filter names its key: tag.<key>=<value>", List.of(FieldError.at("/" + name, "no key")));
                }
                var values = parameter.getValue();
                var tag = new Expr.VarRef(key, Optional.of("tag"));
                Expr term = null;
                for (var value : values) {
                    var one = tagTerm(tag, requireStorable(value, name), negated, name);
                    term = term == null ? one : new Expr.Binary(negated ? "AND" : "OR", term, one);
                }
                terms.add(term);
                if (!negated && values.size() == 1 && term instanceof Expr.Binary binary && binary.operator().equals("=")) {
                    equalities.put(key, values.getFirst());
                } else {
                    beyondEqualities = true;
                }
            } else if (!known.contains(name)) {
                throw new InvalidRequest("unknown query parameter " + name,
                        List.of(FieldError.at("/" + name, "expected one of " + new java.util.TreeSet<>(known) + " or tag.<key>")));
            }
        }
        Optional<Expr> condition = beyondEqualities
                ? terms.stream().reduce((left, right) -> new Expr.Binary("AND", left, right))
                : Optional.empty();
        return new SeriesFilter(optional(ctx, "measurement").map(m -> requireStorable(m, "measurement")),
                optional(ctx, "field").map(f -> requireStorable(f, "field")), equalities, condition, Optional.empty());
    }

    /** One value of a tag filter: {@code =}/{@code !=} a text, or {@code =~}/{@code !~} a regular expression ({@code ~re}). */
    private static Expr tagTerm(Expr.VarRef tag, String value, boolean negated, String parameter) {
        if (!value.startsWith("~")) {
            return new Expr.Binary(negated ? "!=" : "=", tag, new Expr.StringLiteral(value));
        }
        var pattern = value.substring(1);
        try {
            InfluxQlConditions.compile(pattern);
        } catch (InvalidRequest e) {
            throw new InvalidRequest(parameter + ": " + e.getMessage(), List.of(FieldError.at("/" + parameter, "not a usable regular expression")));
        }
        return new Expr.Binary(negated ? "!~" : "=~", tag, new Expr.RegexLiteral(pattern));
    }

    /** A name to compare with stored ones: PostgreSQL's text holds no NUL, so none can match one (and the driver would fail). */
    private static String requireStorable(String name, String parameter) {
        if (name.indexOf('\0') >= 0) {
            throw new InvalidRequest(parameter + " must not contain NUL (%00): no stored name does",
                    List.of(FieldError.at("/" + parameter.replace("\0", "\\u0000"), "contains NUL")));
        }
        return name;
    }

    /** [start, end) as requested; the service raises start to the dataset's retention horizon. */
    private static PointsQuery.RequestedRange range(Context ctx, long now) {
        long start = time(ctx, "start").orElse(Long.MIN_VALUE);
        long end = time(ctx, "end").orElse(ctx.queryParam("step") != null ? now : Long.MAX_VALUE);
        return new PointsQuery.RequestedRange(start, end, now);
    }

    private static Optional<Long> time(Context ctx, String name) {
        return optional(ctx, name).map(text -> Rfc3339.parseBound(text).orElseThrow(() -> new InvalidRequest(
                "%s must be RFC 3339 (up to 9 fractional digits) or int64 nanoseconds, got '%s'".formatted(name, text),
                List.of(FieldError.at("/" + name, "not a time")))));
    }

    private int limit(Context ctx) {
        var text = optional(ctx, "limit");
        if (text.isEmpty()) {
            return settings.maxPointsPerQuery();
        }
        try {
            int limit = Integer.parseInt(text.get());
            if (limit >= 1 && limit <= settings.maxPointsPerQuery()) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new InvalidRequest("limit must be an integer from 1 to %d (the most points per query)".formatted(settings.maxPointsPerQuery()),
                List.of(FieldError.at("/limit", "expected 1-" + settings.maxPointsPerQuery())));
    }

    private static boolean epochNanos(Context ctx) {
        var epoch = optional(ctx, "epoch");
        if (epoch.isPresent() && !epoch.get().equals("ns")) {
            throw new InvalidRequest("epoch must be ns (times as int64 nanoseconds) or absent (RFC 3339)",
                    List.of(FieldError.at("/epoch", "expected ns")));
        }
        return epoch.isPresent();
    }

    /** The step in nanoseconds: a positive duration in the one duration syntax ({@link Durations}). */
    static long step(String text) {
        return positive(text, "step");
    }

    /** The positive duration parameter {@code name}, in nanoseconds. */
    private static long positive(String text, String name) {
        Duration duration;
        try {
            duration = Durations.parse(text);
        } catch (Durations.NotADuration e) {
            throw new InvalidRequest(name + " " + e.getMessage(), List.of(FieldError.at("/" + name, "not a duration")));
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new InvalidRequest("%s must be positive, got '%s'".formatted(name, text.strip()),
                    List.of(FieldError.at("/" + name, "not positive")));
        }
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            throw new InvalidRequest(name + " is too large", List.of(FieldError.at("/" + name, "too large")));
        }
    }

    private static Optional<String> optional(Context ctx, String name) {
        var values = ctx.queryParams(name);
        return values.isEmpty() ? Optional.empty() : Optional.of(single(values, name));
    }

    private static String single(List<String> values, String name) {
        if (values.size() != 1) {
            throw new InvalidRequest(name + " must be given at most once");
        }
        return values.getFirst();
    }

    private long now() {
        var instant = clock.instant();
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
