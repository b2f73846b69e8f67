package io.timestore.server.ingest;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.servlet.MaxRequestSize;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.RouteKind;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.config.PointsSettings;
import io.timestore.server.datasets.DatasetId;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.points.Rfc3339;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.problems.NotFound;
import io.timestore.server.problems.ProblemType;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.InstantSource;
import java.util.List;

/**
 * Ingestion ({@code dataset:write}): JSON batches at {@code POST /storage/v1/datasets/{dataset}/points},
 * InfluxDB v2 line protocol at {@code POST /api/v2/write?org=<tenant>&bucket=<dataset>} ({@code orgID}
 * accepted for {@code org}), and InfluxDB 1.x's {@code POST /write?db=<dataset>} with the same rules
 * (docs/influxql.md).
 */
public final class PointsRoutes implements RouteGroup {
    private static final ApiOperation WRITE_JSON = ApiOperation.mutation("dataset:write", "points", "dataset");
    private static final ApiOperation WRITE_LINES = ApiOperation.mutation("dataset:write", "points", "dataset");
    private static final ApiOperation WRITE_V1 = ApiOperation.mutation("dataset:write", "points", "dataset");
    private static final ApiOperation DELETE = ApiOperation.mutation("dataset:write", "points", "dataset");

    private final DatasetService datasets;
    private final PointsService points;
    private final JsonBodies bodies;
    private final PointsSettings settings;
    private final InstantSource clock;
    private final LineProtocolParser parser;
    private final JsonPoints json;

    public PointsRoutes(DatasetService datasets, PointsService points, JsonBodies bodies, PointsSettings settings,
                        InstantSource clock) {
        this.datasets = datasets;
        this.points = points;
        this.bodies = bodies;
        this.settings = settings;
        this.clock = clock;
        this.parser = new LineProtocolParser(new Limits(settings.maxPointsPerWrite(), Limits.DEFAULTS.maxLineBytes()),
                settings.seriesCacheSize());
        this.json = new JsonPoints(settings.maxPointsPerWrite());
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.POST, "/storage/v1/datasets/{dataset}/points", WRITE_JSON, this::writeJson);
        routes.api(HandlerType.POST, "/api/v2/write", WRITE_LINES, this::writeLineProtocol);
        routes.api(HandlerType.POST, "/write", WRITE_V1, this::writeV1);
        routes.api(HandlerType.POST, "/api/v2/delete", DELETE, this::delete);
    }

    private void writeJson(Context ctx, SecurityContext security, RequestAudit audit) {
        var id = io.timestore.server.datasets.DatasetRoutes.datasetId(ctx);
        audit.dataset(id);
        datasets.authorize(security, audit, id, Action.DATASET_WRITE, RouteKind.INGEST);
        if (ctx.bodyAsBytes().length > settings.maxBodyBytes()) {
            throw new InvalidRequest(ProblemType.PAYLOAD_TOO_LARGE, "the body exceeds %d bytes".formatted(settings.maxBodyBytes()));
        }
        var batch = json.parse(bodies.object(ctx), Rfc3339.nowNanos(clock));
        if (!batch.isEmpty()) {
            points.write(security, audit, id, batch, (line, field, detail) ->
                    FieldError.at("/points/%d/fields/%s".formatted(line - 1, field.replace("~", "~0").replace("/", "~1")), detail),
                    204);
        }
        ctx.status(204);
    }

    /**
     * InfluxDB v2's write. Its errors carry the text InfluxDB clients read, the member
     * {@code message} and the headers {@code X-Influxdb-Error} and {@code X-Influx-Error}, beside
     * the problem document's {@code detail} ({@code http.Problems}).
     */
    private void writeLineProtocol(Context ctx, SecurityContext security, RequestAudit audit) {
        writeBody(ctx, security, audit, bucket(ctx, security, "bucket"), precision(ctx), "bucket");
    }

    /**
     * The bucket (dataset) of an InfluxDB v2 request: {@code bucket} (or, where InfluxDB takes
     * ids, the same id as {@code bucketID}), in the organization {@code org} or {@code orgID}
     * names, which must be the caller's tenant.
     */
    private static String bucket(Context ctx, SecurityContext security, String... bucketParameters) {
        var org = single(ctx, "org");
        var orgId = single(ctx, "orgID");
        String bucket = null;
        for (var parameter : bucketParameters) {
            var named = single(ctx, parameter);
            if (bucket != null && named != null && !named.equals(bucket)) {
                throw new InvalidRequest("bucket and bucketID name different buckets", List.of(FieldError.at("/bucketID", "differs")));
            }
            bucket = bucket == null ? named : bucket;
        }
        if ((org == null && orgId == null) || bucket == null) {
            throw new InvalidRequest("org or orgID (the tenant) and %s (the dataset) are required query parameters"
                    .formatted(String.join(" or ", bucketParameters)),
                    List.of(FieldError.at(bucket != null ? "/org" : "/bucket", "required")));
        }
        // Another tenant's org looks exactly like a missing one: names do not leak, nothing is written.
        // A tenant's name and id are the same string, so org and orgID both name it.
        for (var named : new String[] {org, orgId}) {
            if (named != null && !named.equals(security.tenant().value())) {
                throw new NotFound("organization '%s' not found".formatted(named));
            }
        }
        return bucket;
    }

    /**
     * InfluxDB v2's {@code POST /api/v2/delete?org=&bucket=} with {@code {"start", "stop",
     * "predicate"}}: deletes the bucket's points from start to stop (RFC 3339, both included) in
     * the series the predicate's equalities match ({@link DeletePredicate}). Authorized as a write
     * on the dataset ({@code dataset:write}, never by a legacy rule), audited with the predicate's
     * keys only, 204.
     */
    private void delete(Context ctx, SecurityContext security, RequestAudit audit) {
        var dataset = bucket(ctx, security, "bucket", "bucketID");
        if (!DatasetId.isValid(dataset)) {
            throw new NotFound("bucket '%s' not found".formatted(dataset));
        }
        audit.dataset(dataset);
        datasets.authorize(security, audit, dataset, Action.DATASET_WRITE, RouteKind.OTHER);
        var body = bodies.object(ctx);
        long start = deleteBound(body, "start");
        long stop = deleteBound(body, "stop");
        if (start > stop) {
            throw new InvalidRequest("start must not be after stop", List.of(FieldError.at("/start", "after stop")));
        }
        var text = body.path("predicate");
        if (!text.isMissingNode() && !text.isNull() && !text.isTextual()) {
            throw new InvalidRequest("predicate must be a string", List.of(FieldError.at("/predicate", "not a string")));
        }
        var predicate = DeletePredicate.parse(text.isTextual() ? text.asText() : "");
        audit.detail("start", Rfc3339.format(start)).detail("stop", Rfc3339.format(stop)).detail("predicate", predicate.redacted());
        points.delete(security, audit, dataset, start, stop, predicate, 204);
        ctx.status(204);
    }

    private static long deleteBound(com.fasterxml.jackson.databind.JsonNode body, String name) {
        var node = body.path(name);
        if (!node.isTextual()) {
            throw new InvalidRequest("%s is required: an RFC 3339 time such as 2026-01-01T00:00:00Z".formatted(name),
                    List.of(FieldError.at("/" + name, node.isMissingNode() ? "required" : "not a string")));
        }
        var text = node.asText();
        return (text.contains("T") || text.contains("t") ? Rfc3339.parseBound(text) : java.util.Optional.<Long>empty())
                .orElseThrow(() -> new InvalidRequest("%s must be an RFC 3339 time such as 2026-01-01T00:00:00Z; got '%s'"
                        .formatted(name, text), List.of(FieldError.at("/" + name, "not an RFC 3339 time"))));
    }

    /**
     * InfluxDB 1.x {@code POST /write?db=<dataset>[&rp=autogen][&precision=n|ns|u|us|ms|s|m|h]}:
     * the rules of {@code /api/v2/write}, in the caller's own tenant (the credential's, or
     * X-Tenant-ID's); errors carry InfluxDB 1.x's {@code error} member and {@code X-Influxdb-Error}
     * header ({@code http.Problems}).
     */
    private void writeV1(Context ctx, SecurityContext security, RequestAudit audit) {
        var db = single(ctx, "db");
        if (db == null) {
            throw new InvalidRequest("database is required: give db (the dataset)", List.of(FieldError.at("/db", "required")));
        }
        var rp = single(ctx, "rp");
        if (rp != null && !rp.equals("autogen")) {
            throw new NotFound("retention policy not found: %s (each dataset has the one policy autogen)".formatted(rp));
        }
        var value = single(ctx, "precision");
        var precision = value == null ? Precision.NANOSECONDS : Precision.findV1(value).orElseThrow(() -> new InvalidRequest(
                "precision must be one of n, ns, u, us, ms, s, m, h; got '%s'".formatted(value),
                List.of(FieldError.at("/precision", "expected n, ns, u, us, ms, s, m or h"))));
        writeBody(ctx, security, audit, db, precision, "database");
    }

    /** Authorizes the write to {@code dataset}, parses the body as line protocol and writes it, all or nothing. */
    private void writeBody(Context ctx, SecurityContext security, RequestAudit audit, String dataset, Precision precision,
                           String called) {
        if (!DatasetId.isValid(dataset)) {
            throw new NotFound("%s '%s' not found".formatted(called, dataset));
        }
        var bucket = dataset;
        audit.dataset(bucket);
        datasets.authorize(security, audit, bucket, Action.DATASET_WRITE, RouteKind.INGEST);
        var body = BoundedBody.decode(rawBody(ctx), ctx.header("Content-Encoding"), settings.maxBodyBytes(),
                settings.maxDecompressedBytes());
        var batch = parse(body, precision);
        if (!batch.isEmpty()) {
            points.write(security, audit, bucket, batch, (line, field, detail) -> FieldError.onLine(line, detail), 204);
        }
        ctx.status(204);
    }

    /**
     * The body as sent. Javalin's own read copies it through a growing buffer and once more at the
     * end; a body whose Content-Length is within the limits (Javalin's and
     * {@code points.max-body-bytes}) is read here into one array of that length. A body an earlier
     * step has read (a signed request's digest, an Idempotency-Key's fingerprint) is Javalin's kept
     * copy, and any other (no Content-Length, over a limit) is read Javalin's way, with its checks.
     */
    private byte[] rawBody(Context ctx) {
        long length = ctx.req().getContentLengthLong();
        long javalinLimit = ctx.appData(MaxRequestSize.INSTANCE.getMaxRequestSizeKey());
        if (length <= 0 || length > Math.min(Math.min(settings.maxBodyBytes(), javalinLimit), Integer.MAX_VALUE - 8)) {
            return ctx.bodyAsBytes();
        }
        var body = new byte[(int) length];
        int read;
        try {
            read = ctx.req().getInputStream().readNBytes(body, 0, body.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (read == 0) {
            return ctx.bodyAsBytes(); // read and kept by an earlier step
        }
        if (read < body.length) {
            throw new UncheckedIOException(new EOFException("the body ended after %d of its %d bytes".formatted(read, length)));
        }
        return body;
    }

    private Batch parse(byte[] body, Precision precision) {
        try {
            return parser.parse(body, precision, Rfc3339.nowNanos(clock));
        } catch (LineProtocolException e) {
            if (e.reason() == LineProtocolException.Reason.TOO_MANY_POINTS) {
                throw new InvalidRequest(ProblemType.PAYLOAD_TOO_LARGE, e.getMessage());
            }
            var errors = e.errors().stream().map(error -> FieldError.onLine(error.line(), error.message())).toList();
            throw new InvalidRequest(e.getMessage() + "; nothing was written", errors);
        }
    }

    private static Precision precision(Context ctx) {
        var value = single(ctx, "precision");
        if (value == null) {
            return Precision.NANOSECONDS;
        }
        return Precision.find(value).orElseThrow(() -> new InvalidRequest(
                "precision must be one of ns, us, ms, s; got '%s'".formatted(value),
                List.of(FieldError.at("/precision", "expected ns, us, ms or s"))));
    }

    private static String single(Context ctx, String name) {
        var values = ctx.queryParams(name);
        if (values.size() > 1) {
            throw new InvalidRequest(name + " must be given at most once");
        }
        return values.isEmpty() || values.getFirst().isEmpty() ? null : values.getFirst();
    }
}
