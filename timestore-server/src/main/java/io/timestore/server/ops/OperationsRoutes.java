package io.timestore.server.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The operational routes: liveness, readiness, Prometheus metrics, the OpenAPI document, and the
 * InfluxDB probes {@code /ping} and {@code /health} (docs/influxql.md). They carry no tenant data,
 * so they need no credentials and leave no audit events.
 */
public final class OperationsRoutes implements RouteGroup {
    private final Metrics metrics;
    private final List<ReadinessCheck> checks;
    private final ObjectMapper json;
    private final byte[] openApi;
    private final String version;
    private static final String INFLUXDB_BUILD = "Timestore";

    public OperationsRoutes(Metrics metrics, List<ReadinessCheck> checks, ObjectMapper json, String version) {
        this.metrics = metrics;
        this.checks = List.copyOf(checks);
        this.json = json;
        this.version = version;
        this.openApi = loadOpenApi();
    }

    @Override
    public void register(Routes routes) {
        routes.operational("/healthz", this::health);
        routes.operational("/readyz", this::readiness);
        routes.operational("/metrics", this::metrics);
        routes.operational("/openapi.yaml", this::openApi);
        routes.operational(HandlerType.GET, "/ping", this::ping);
        routes.operational(HandlerType.HEAD, "/ping", this::ping);
        routes.operational("/health", this::influxHealth);
    }

    /** InfluxDB 1.x and 2.x {@code /ping}: 204 with the version headers clients read. */
    private void ping(Context ctx) {
        ctx.header("X-Influxdb-Version", version).header("X-Influxdb-Build", INFLUXDB_BUILD).status(204);
    }

    /**
     * InfluxDB 2.x {@code /health}: {@code pass} (200) when every readiness check is up, else
     * {@code fail} (503), with one entry per check, in the document InfluxDB clients parse.
     */
    private void influxHealth(Context ctx) throws IOException {
        var entries = new ArrayList<InfluxCheck>();
        boolean ready = true;
        for (var check : checks) {
            boolean up = check.ready();
            entries.add(new InfluxCheck(check.name(), up ? "pass" : "fail"));
            ready &= up;
        }
        var body = new InfluxHealth("timestore", ready ? "ready for queries and writes" : "not ready: a check failed",
                ready ? "pass" : "fail", version, "unknown", entries);
        ctx.header("X-Influxdb-Version", version).header("X-Influxdb-Build", INFLUXDB_BUILD)
                .status(ready ? 200 : 503).contentType("application/json").result(json.writeValueAsBytes(body));
    }

    private record InfluxHealth(String name, String message, String status, String version, String commit,
                                List<InfluxCheck> checks) {}

    private record InfluxCheck(String name, String status) {}

    private void health(Context ctx) throws IOException {
        ctx.contentType("application/json").result(json.writeValueAsBytes(new Health("ok", version)));
    }

    /** The liveness body; a record keeps its members in this order (a Map.of's order changes from one JVM to the next). */
    private record Health(String status, String version) {}

    private void readiness(Context ctx) throws IOException {
        var results = new LinkedHashMap<String, String>();
        boolean ready = true;
        for (var check : checks) {
            boolean up = check.ready();
            results.put(check.name(), up ? "up" : "down");
            ready &= up;
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("status", ready ? "ready" : "not_ready");
        body.put("checks", results);
        ctx.status(ready ? 200 : 503).contentType("application/json").result(json.writeValueAsBytes(body));
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    private void openApi(Context ctx) {
        ctx.contentType("application/yaml").result(openApi);
    }

    private static byte[] loadOpenApi() {
        try (InputStream in = OperationsRoutes.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the server jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
