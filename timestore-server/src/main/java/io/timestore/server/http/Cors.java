package io.timestore.server.http;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.server.config.CorsSettings;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * CORS (docs/configuration.md, off by default): a request from an allowed origin gets
 * {@code Access-Control-Allow-Origin} naming that origin (never {@code *}), with credentials
 * allowed and Timestore's and InfluxDB's response headers exposed. A preflight ({@code OPTIONS}
 * with {@code Origin} and {@code Access-Control-Request-Method}) is answered here, before any
 * route: 204 with what may be sent for an allowed origin, 403 otherwise. It needs no credentials
 * (browsers never send them on a preflight), runs no handler and reads no data, and it is not
 * audited (docs/audit-events.md). With CORS off, nothing here runs: an OPTIONS request is an
 * unmatched route like any other (405, audited).
 */
final class Cors {
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PATCH", "DELETE");
    /** The request headers a browser script may send: what the API and InfluxDB clients read. */
    static final Set<String> REQUEST_HEADERS = Set.of("accept", "authorization", "content-type", "content-encoding", "x-tenant-id",
            "idempotency-key", "if-match", "x-request-id", "traceparent", "tracestate", "x-ts-date", "x-ts-nonce");
    private static final String EXPOSED = String.join(", ", "X-Request-ID", "traceparent", "Location", "ETag", "Idempotent-Replayed",
            "Retry-After", "WWW-Authenticate", "X-Influxdb-Error", "X-Influx-Error", "X-Influxdb-Version", "X-Influxdb-Build");
    private static final String MAX_AGE_SECONDS = "600";

    private final CorsSettings settings;

    Cors(CorsSettings settings) {
        this.settings = settings;
    }

    /**
     * Adds the CORS headers of an allowed origin and answers a preflight. True when the request
     * was a preflight, now answered: nothing else may run for it.
     */
    boolean handle(Context ctx) {
        if (!settings.enabled()) {
            return false;
        }
        var origin = ctx.header("Origin");
        boolean preflight = ctx.method() == HandlerType.OPTIONS && origin != null
                && ctx.header("Access-Control-Request-Method") != null;
        ctx.header("Vary", "Origin");
        if (!settings.allows(origin)) {
            if (preflight) {
                ctx.status(403).contentType(Problems.CONTENT_TYPE).result(("{\"type\":\"https://timestore.dev/problems/forbidden\","
                        + "\"title\":\"Forbidden\",\"status\":403,\"detail\":\"this origin may not call the API from a browser\","
                        + "\"code\":\"forbidden\"}"));
            }
            return preflight;
        }
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Access-Control-Allow-Credentials", "true");
        if (!preflight) {
            ctx.header("Access-Control-Expose-Headers", EXPOSED);
            return false;
        }
        var method = ctx.header("Access-Control-Request-Method").trim().toUpperCase(Locale.ROOT);
        var asked = new TreeSet<String>();
        var requested = ctx.header("Access-Control-Request-Headers");
        if (requested != null) {
            for (var header : requested.split(",")) {
                if (!header.isBlank()) {
                    asked.add(header.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        if (!METHODS.contains(method) || !REQUEST_HEADERS.containsAll(asked)) {
            // Without Allow-Methods/Allow-Headers the browser refuses the request itself.
            ctx.status(204);
            return true;
        }
        ctx.header("Access-Control-Allow-Methods", String.join(", ", new TreeSet<>(METHODS)));
        if (!asked.isEmpty()) {
            ctx.header("Access-Control-Allow-Headers", String.join(", ", asked));
        }
        ctx.header("Access-Control-Max-Age", MAX_AGE_SECONDS);
        ctx.status(204);
        return true;
    }
}
