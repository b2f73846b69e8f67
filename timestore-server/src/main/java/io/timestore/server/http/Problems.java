package io.timestore.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.timestore.server.config.InvalidSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns failures into RFC 9457 {@code application/problem+json} responses.
 * Expected failures carry their {@link ProblemType}; anything else becomes a generic 500 whose
 * detail reveals nothing, with one error log line (stack trace included) keyed by request id.
 */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";
    private static final Logger log = LoggerFactory.getLogger(Problems.class);
    private final ObjectMapper json;

    public Problems(ObjectMapper json) {
        this.json = Objects.requireNonNull(json, "json");
    }

    /** Maps any exception thrown while handling {@code ctx} to a problem response. */
    public void handle(Exception failure, Context ctx) {
        switch (failure) {
            case TimestoreException known -> {
                if (known instanceof Unavailable) {
                    log.warn("{}: {}", known.type().code(), known.getMessage(), known.getCause());
                }
                write(ctx, known.type(), known.getMessage(), Map.of());
            }
            case HttpResponseException http -> write(ctx, fromStatus(http.getStatus()), http.getMessage(), Map.of());
            case InvalidSettings settings -> unexpected(ctx, settings);
            default -> unexpected(ctx, failure);
        }
    }

    /** Writes a problem response with optional extension members. */
    public void write(Context ctx, ProblemType type, String detail, Map<String, ?> extensions) {
        var body = new LinkedHashMap<String, Object>();
        body.put("type", type.uri());
        body.put("title", type.title());
        body.put("status", type.status());
        body.put("detail", detail == null || detail.isBlank() ? type.title() : detail);
        body.put("instance", ctx.path());
        body.put("code", type.code());
        RequestContext request = ctx.attribute(RequestContext.ATTRIBUTE);
        if (request != null) {
            body.put("request_id", request.requestId());
            body.put("trace_id", request.trace().traceId());
        }
        body.putAll(extensions);
        ctx.status(type.status());
        ctx.contentType(CONTENT_TYPE);
        try {
            ctx.result(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem document of plain values must serialise", e);
        }
    }

    private void unexpected(Context ctx, Exception failure) {
        RequestContext request = ctx.attribute(RequestContext.ATTRIBUTE);
        log.error("unexpected failure handling {} {} (request_id={})", ctx.method(), ctx.path(),
                request == null ? "-" : request.requestId(), failure);
        write(ctx, ProblemType.INTERNAL_ERROR,
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
