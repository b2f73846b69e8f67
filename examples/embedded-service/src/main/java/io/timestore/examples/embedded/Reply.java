package io.timestore.examples.embedded;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent;
import io.timestore.security.AuthenticationFailure;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the service answers: a status, a JSON body and extra headers, plus the id of the resource
 * the request created or read (for the audit event). Errors are RFC 9457 problem documents in the
 * same shape as Timestore's (docs/errors.md): {@code type}, {@code title}, {@code status},
 * {@code detail}, {@code instance}, {@code code}, {@code request_id}, {@code trace_id}, and on a 403
 * {@code missing_role}. This is the unified auth error shape {@code {code, missing_role, trace_id}}.
 */
record Reply(int status, ObjectNode body, Map<String, String> headers, String resourceId) {
    static final String PROBLEM_JSON = "application/problem+json";

    Reply {
        headers = Map.copyOf(headers);
    }

    static Reply json(int status, ObjectNode body, String resourceId) {
        return new Reply(status, body, Map.of("Content-Type", "application/json"), resourceId);
    }

    boolean isProblem() {
        return status >= 400;
    }

    /** The problem's code and detail as the audit event records them; {@code null} on success. */
    AuditEvent.Problem error() {
        return isProblem() ? new AuditEvent.Problem(body.path("code").asText(), body.path("detail").asText()) : null;
    }

    /**
     * A refusal by authentication or tenant resolution: the library's code and status, and on a
     * 401 {@code WWW-Authenticate} as RFC 6750 asks (never saying why a signature failed).
     */
    static Reply authenticationFailed(AuthenticationFailure failure, Call call) {
        var headers = new LinkedHashMap<String, String>();
        if (failure.httpStatus() == 401) {
            headers.put("WWW-Authenticate", failure.reason() == AuthenticationFailure.Reason.CREDENTIALS_MISSING
                    ? "Bearer realm=\"notes\""
                    : "Bearer realm=\"notes\", error=\"invalid_token\"");
        }
        var title = switch (failure.httpStatus()) {
            case 400 -> "Bad tenant header";
            case 403 -> "Forbidden";
            case 503 -> "Identity provider unavailable";
            default -> "Unauthenticated";
        };
        return problem(failure.reason().code(), failure.httpStatus(), title, failure.getMessage(), Optional.empty(), call, headers);
    }

    static Reply refused(Refusal refusal, Call call) {
        var title = refusal.status() == 403 ? "Forbidden" : "Invalid request";
        return problem(refusal.code(), refusal.status(), title, refusal.getMessage(), refusal.missingRole(), call, Map.of());
    }

    static Reply notFound(Call call) {
        return problem("not_found", 404, "Not found", "no route matches " + call.method() + " " + call.path(),
                Optional.empty(), call, Map.of());
    }

    static Reply auditUnavailable(Call call) {
        return problem("audit_unavailable", 503, "Audit unavailable",
                "the audit trail cannot record this request right now; nothing was acknowledged, retry later",
                Optional.empty(), call, Map.of());
    }

    static Reply internalError(Call call) {
        return problem("internal_error", 500, "Internal error",
                "the service failed to handle this request; quote the request_id when reporting it", Optional.empty(), call, Map.of());
    }

    private static Reply problem(String code, int status, String title, String detail, Optional<String> missingRole,
            Call call, Map<String, String> extraHeaders) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("type", "https://timestore.dev/problems/" + code.replace('_', '-'));
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail == null || detail.isBlank() ? title : detail);
        body.put("instance", call.path());
        body.put("code", code);
        body.put("request_id", call.requestId());
        body.put("trace_id", call.traceId());
        missingRole.ifPresent(role -> body.put("missing_role", role));
        var headers = new LinkedHashMap<String, String>(extraHeaders);
        headers.put("Content-Type", PROBLEM_JSON);
        return new Reply(status, body, headers, null);
    }
}
