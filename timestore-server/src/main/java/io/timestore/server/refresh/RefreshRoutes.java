package io.timestore.server.refresh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.RouteKind;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.datasets.DatasetRoutes;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.http.CursorPosition;
import io.timestore.server.http.CursorScope;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Listing;
import io.timestore.server.http.Pages;
import io.timestore.server.http.Replies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.points.Rfc3339;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The refresh registry: {@code POST /storage-internal/v1/datasets/{dataset}/refresh-state}
 * ({@code refresh:write}), {@code GET /storage/v1/datasets/{dataset}/refresh-state} and
 * {@code GET .../refresh-runs} ({@code refresh:read}).
 */
public final class RefreshRoutes implements RouteGroup {
    private static final ApiOperation REPORT = ApiOperation.mutation("refresh:write", "refresh", "dataset");
    private static final ApiOperation STATE = ApiOperation.read("refresh:read", "refresh", "dataset");
    private static final ApiOperation RUNS = ApiOperation.read("refresh:read", "refresh", "dataset");
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Set<String> MEMBERS = Set.of("run_id", "state", "watermark", "details");
    private static final int MAX_DETAILS_BYTES = 16 * 1024;

    private final RefreshService service;
    private final DatasetService datasets;
    private final JsonBodies bodies;
    private final Cursors cursors;
    private final InstantSource clock;

    public RefreshRoutes(RefreshService service, DatasetService datasets, JsonBodies bodies, Cursors cursors,
                         InstantSource clock) {
        this.service = service;
        this.datasets = datasets;
        this.bodies = bodies;
        this.cursors = cursors;
        this.clock = clock;
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.POST, "/storage-internal/v1/datasets/{dataset}/refresh-state", REPORT, this::report);
        routes.api(HandlerType.GET, "/storage/v1/datasets/{dataset}/refresh-state", STATE, this::state);
        routes.api(HandlerType.GET, "/storage/v1/datasets/{dataset}/refresh-runs", RUNS, this::runs);
    }

    private void report(Context ctx, SecurityContext security, RequestAudit audit) {
        var id = DatasetRoutes.datasetId(ctx);
        audit.dataset(id);
        datasets.authorize(security, id, Action.REFRESH_WRITE, RouteKind.OTHER);
        var report = parse(bodies.object(ctx));
        var reported = service.report(security, audit, id, report, this::reply);
        Replies.send(ctx, reply(reported));
    }

    private Reply reply(RefreshService.Reported reported) {
        return Reply.json(reported.created() ? 201 : 200, runJson(reported.run()));
    }

    private void state(Context ctx, SecurityContext security, RequestAudit audit) {
        var id = DatasetRoutes.datasetId(ctx);
        audit.dataset(id);
        datasets.authorize(security, id, Action.REFRESH_READ, RouteKind.OTHER);
        var status = service.status(security, id);
        var body = bodies.mapper().createObjectNode().put("dataset", id);
        status.latest().ifPresent(run -> body.put("state", run.state().label()).put("run_id", run.runId())
                .put("updated_at", run.updatedAt().toString()));
        status.watermark().ifPresent(watermark -> {
            long nowNanos = Rfc3339.nowNanos(clock);
            body.put("watermark", Rfc3339.format(watermark))
                    .put("freshness_age_seconds", Math.max(0, Math.floorDiv(nowNanos - watermark, 1_000_000_000L)));
        });
        ctx.json(body);
    }

    private void runs(Context ctx, SecurityContext security, RequestAudit audit) {
        var id = DatasetRoutes.datasetId(ctx);
        audit.dataset(id);
        datasets.authorize(security, id, Action.REFRESH_READ, RouteKind.OTHER);
        int limit = Pages.limit(ctx);
        var scope = CursorScope.of(Listing.REFRESH_RUNS, security.tenant().value()).with("dataset", id);
        long before = cursors.after(ctx, scope, CursorPosition.Reader::int64).orElse(Long.MAX_VALUE);
        var page = service.runs(security, id, before, limit + 1);
        var items = bodies.mapper().createArrayNode();
        page.stream().limit(limit).forEach(run -> items.add(runJson(run)));
        var body = bodies.mapper().createObjectNode();
        body.set("items", items);
        if (page.size() > limit) {
            long last = page.get(limit - 1).seq();
            body.put("next_cursor", cursors.encode(scope, position -> position.int64(last)));
        }
        audit.detail("returned", Math.min(limit, page.size()));
        ctx.json(body);
    }

    private RefreshStore.Report parse(JsonNode body) {
        var errors = new ArrayList<FieldError>();
        body.fieldNames().forEachRemaining(name -> {
            if (!MEMBERS.contains(name)) {
                errors.add(FieldError.at("/" + name, "unknown member; expected run_id, state, watermark, details"));
            }
        });
        var runId = body.path("run_id").asText("");
        if (!body.path("run_id").isTextual() || !RUN_ID.matcher(runId).matches()) {
            errors.add(FieldError.at("/run_id", "required: 1-128 characters of A-Z a-z 0-9 . _ : - starting with a letter or digit"));
        }
        var state = RefreshState.find(body.path("state").asText(""));
        if (!body.path("state").isTextual() || state.isEmpty()) {
            errors.add(FieldError.at("/state", "required: one of pending, running, succeeded, failed"));
        }
        var watermark = watermark(body.get("watermark"), errors);
        if (state.filter(s -> s == RefreshState.SUCCEEDED).isPresent() && watermark.isEmpty()) {
            errors.add(FieldError.at("/watermark", "required when the run succeeded: the time the data is complete up to"));
        }
        var details = body.get("details");
        if (details != null && !details.isNull() && (!details.isObject() || details.toString().length() > MAX_DETAILS_BYTES)) {
            errors.add(FieldError.at("/details", "must be a JSON object of at most %d bytes".formatted(MAX_DETAILS_BYTES)));
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the refresh report is invalid", errors);
        }
        var detailsJson = details == null || details.isNull() ? "{}" : details.toString();
        return new RefreshStore.Report(runId, state.orElseThrow(), watermark, detailsJson);
    }

    private static OptionalLong watermark(JsonNode json, List<FieldError> errors) {
        if (json == null || json.isNull()) {
            return OptionalLong.empty();
        }
        var parsed = json.isTextual() ? Rfc3339.parseRfc3339(json.asText()) : java.util.Optional.<Long>empty();
        if (parsed.isEmpty()) {
            errors.add(FieldError.at("/watermark", "must be RFC 3339 with up to 9 fractional digits"));
            return OptionalLong.empty();
        }
        return OptionalLong.of(parsed.get());
    }

    private ObjectNode runJson(RefreshRun run) {
        var json = bodies.mapper().createObjectNode().put("run_id", run.runId()).put("state", run.state().label());
        run.watermark().ifPresent(w -> json.put("watermark", Rfc3339.format(w)));
        try {
            json.set("details", bodies.mapper().readTree(run.detailsJson()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("stored refresh details are not JSON", e);
        }
        return json.put("created_at", run.createdAt().toString()).put("created_by", run.createdBy())
                .put("updated_at", run.updatedAt().toString()).put("updated_by", run.updatedBy());
    }
}
