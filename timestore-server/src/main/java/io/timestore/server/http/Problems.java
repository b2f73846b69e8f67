package io.timestore.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.timestore.audit.AuditUnavailable;
import io.timestore.security.AuthenticationFailure;
import io.timestore.server.problems.Forbidden;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.ProblemType;
import io.timestore.server.problems.TimestoreException;
import io.timestore.server.problems.Unavailable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns failures into RFC 9457 {@code application/problem+json} responses.
 * Expected failures carry their code; anything else becomes a generic 500 whose detail reveals
 * nothing, with one error log line (stack trace included) keyed by request id.
 */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";
    /**
     * InfluxDB 1.x's routes: their problems also carry the text InfluxDB 1.x clients read, the
     * member {@code error} and the header {@code X-Influxdb-Error} (docs/influxql.md).
     */
    public static final java.util.Set<String> INFLUXDB_V1_PATHS = java.util.Set.of("/query", "/write");
    /**
     * InfluxDB 2.x's routes: their problems also carry the member {@code message} (what
     * influxdb-client-java reads from an error's body) and the headers {@code X-Influxdb-Error}
     * and {@code X-Influx-Error} (what InfluxDB clients read when the body has no message).
     */
    public static final java.util.Set<String> INFLUXDB_V2_PATHS = java.util.Set.of("/api/v2/write", "/api/v2/buckets",
            "/api/v2/orgs", "/api/v2/delete");
    private static final Logger log = LoggerFactory.getLogger(Problems.class);
    private final ObjectMapper json;

    /** A problem as sent: what the audit event records of a failed request. */
    public record Problem(String code, int status, String detail) {}

    public Problems(ObjectMapper json) {
        this.json = Objects.requireNonNull(json, "json");
    }

    /** Maps any exception thrown while handling {@code ctx} to a problem response and returns it. */
    public Problem handle(Exception failure, Context ctx) {
        return switch (failure) {
            case TimestoreException known -> {
                if (known instanceof Unavailable) {
                    log.warn("{}: {}", known.type().code(), known.getMessage(), known.getCause());
                }
                if (known instanceof io.timestore.server.problems.Blocked blocked) {
                    ctx.header("Retry-After", Long.toString(blocked.retryAfterSeconds()));
                }
                if (known instanceof io.timestore.server.problems.Busy) {
                    ctx.header("Retry-After", Long.toString(io.timestore.server.problems.Busy.RETRY_AFTER_SECONDS));
                }
                if (known instanceof io.timestore.server.problems.LimitExceeded limited) {
                    ctx.header("Retry-After", Long.toString(limited.retryAfterSeconds()));
                }
                yield write(ctx, known.type(), known.getMessage(), extensions(known));
            }
            case AuthenticationFailure denied -> authenticationFailed(ctx, denied);
            case AuditUnavailable audit -> auditUnavailable(ctx, audit);
            case HttpResponseException http -> write(ctx, fromStatus(http.getStatus()), http.getMessage(), Map.of());
            default -> unexpected(ctx, failure);
        };
    }

    private static Map<String, ?> extensions(TimestoreException known) {
        return switch (known) {
            case InvalidRequest invalid -> invalid.extensions();
            case Forbidden forbidden -> forbidden.extensions();
            case io.timestore.server.problems.LimitExceeded limited -> limited.extensions();
            default -> Map.of();
        };
    }

    /** Writes a problem response of a known type with optional extension members. */
    public Problem write(Context ctx, ProblemType type, String detail, Map<String, ?> extensions) {
        return write(ctx, type.code(), type.status(), type.title(), type.uri(), detail, extensions);
    }

    /**
     * Audit could not make the request's event durable: whatever the handler produced is
     * replaced, because no success may be acknowledged without its event (G4).
     */
    public Problem auditUnavailable(Context ctx, AuditUnavailable failure) {
        log.error("audit_unavailable: {}", failure.getMessage());
        ctx.res().resetBuffer();
        ctx.removeHeader("Location");
        return write(ctx, ProblemType.AUDIT_UNAVAILABLE, "the audit trail cannot record this request right now; nothing was acknowledged, retry later", Map.of());
    }

    private Problem authenticationFailed(Context ctx, AuthenticationFailure failure) {
        var reason = failure.reason();
        if (reason.httpStatus() == 401) {
            // RFC 6750 §3: the scheme and a coarse error; never why a signature failed.
            ctx.header("WWW-Authenticate", reason == AuthenticationFailure.Reason.CREDENTIALS_MISSING
                    ? "Bearer realm=\"timestore\""
                    : "Bearer realm=\"timestore\", error=\"invalid_token\"");
        }
        var title = switch (reason.httpStatus()) {
            case 400 -> "Bad tenant header";
            case 403 -> "Forbidden";
            case 503 -> "Identity provider unavailable";
            default -> "Unauthenticated";
        };
        return write(ctx, reason.code(), reason.httpStatus(), title,
                "https://timestore.dev/problems/" + reason.code().replace('_', '-'), failure.getMessage(), Map.of());
    }

    private Problem write(Context ctx, String code, int status, String title, String type, String detail,
                          Map<String, ?> extensions) {
        var shownDetail = detail == null || detail.isBlank() ? title : detail;
        var body = new LinkedHashMap<String, Object>();
        body.put("type", type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", shownDetail);
        body.put("instance", ctx.path());
        body.put("code", code);
        RequestContext request = ctx.attribute(RequestContext.ATTRIBUTE);
        if (request != null) {
            body.put("request_id", request.requestId());
            body.put("trace_id", request.trace().traceId());
        }
        body.putAll(extensions);
        if (INFLUXDB_V1_PATHS.contains(ctx.path())) {
            body.put("error", shownDetail);
            ctx.header("X-Influxdb-Error", headerSafe(shownDetail));
        } else if (INFLUXDB_V2_PATHS.contains(ctx.path())) {
            body.put("message", shownDetail);
            ctx.header("X-Influxdb-Error", headerSafe(shownDetail));
            ctx.header("X-Influx-Error", headerSafe(shownDetail));
        }
        ctx.status(status);
        ctx.contentType(CONTENT_TYPE);
        try {
            ctx.result(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem document of plain values must serialise", e);
        }
        return new Problem(code, status, shownDetail);
    }

    /** {@code text} as a header value: printable ASCII only, at most 1,000 characters. */
    public static String headerSafe(String text) {
        var safe = text.replaceAll("[^\\x20-\\x7E]", "?");
        return safe.length() > 1000 ? safe.substring(0, 1000) : safe;
    }

    private Problem unexpected(Context ctx, Exception failure) {
        RequestContext request = ctx.attribute(RequestContext.ATTRIBUTE);
        log.error("unexpected failure handling {} {} (request_id={})", ctx.method(), ctx.path(),
                request == null ? "-" : request.requestId(), failure);
        return write(ctx, ProblemType.INTERNAL_ERROR,
                "the server failed to handle this request; quote the request_id when reporting it", Map.of());
    }

    private static ProblemType fromStatus(int status) {
        return switch (status) {
            case 404 -> ProblemType.NOT_FOUND;
            case 405 -> ProblemType.METHOD_NOT_ALLOWED;
            case 406 -> ProblemType.NOT_ACCEPTABLE;
            case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
            case 415 -> ProblemType.UNSUPPORTED_MEDIA_TYPE;
            case 503 -> ProblemType.NOT_READY;
            default -> status >= 500 ? ProblemType.INTERNAL_ERROR : ProblemType.INVALID_REQUEST;
        };
    }
}
