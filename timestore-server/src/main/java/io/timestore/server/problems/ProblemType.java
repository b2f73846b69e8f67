package io.timestore.server.problems;

/**
 * Every error Timestore returns, with its stable {@code code}, HTTP status and title. Clients
 * branch on {@code code}; docs/errors.md lists them all (a test keeps the two in step).
 */
public enum ProblemType {
    INVALID_REQUEST("invalid_request", 400, "Invalid request"),
    INVALID_CURSOR("invalid_cursor", 400, "Invalid cursor"),
    FORBIDDEN("forbidden", 403, "Forbidden"),
    STATEMENT_REFUSED("statement_refused", 403, "Statement refused"),
    NOT_FOUND("not_found", 404, "Not found"),
    DEV_SIGN_IN_UNAVAILABLE("dev_sign_in_unavailable", 404, "Development sign-in unavailable"),
    METHOD_NOT_ALLOWED("method_not_allowed", 405, "Method not allowed"),
    NOT_ACCEPTABLE("not_acceptable", 406, "Not acceptable"),
    CONFLICT("conflict", 409, "Conflict"),
    AUDIT_PROOF_PENDING("audit_proof_pending", 409, "Audit proof pending"),
    IDEMPOTENCY_KEY_IN_FLIGHT("idempotency_key_in_flight", 409, "Request with this Idempotency-Key in flight"),
    PRECONDITION_FAILED("precondition_failed", 412, "Precondition failed"),
    PAYLOAD_TOO_LARGE("payload_too_large", 413, "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415, "Unsupported media type"),
    IDEMPOTENCY_KEY_REUSED("idempotency_key_reused", 422, "Idempotency-Key reused for a different request"),
    FIELD_TYPE_CONFLICT("field_type_conflict", 422, "Field type conflict"),
    PRECONDITION_REQUIRED("precondition_required", 428, "Precondition required"),
    BLOCKED("blocked", 429, "Blocked"),
    RATE_LIMITED("rate_limited", 429, "Rate limited"),
    QUOTA_EXCEEDED("quota_exceeded", 429, "Quota exceeded"),
    /** Not an HTTP standard status: nginx's 499, recorded in the audit trail when a client left before its answer. */
    CLIENT_CLOSED_REQUEST("client_closed_request", 499, "Client closed request"),
    INTERNAL_ERROR("internal_error", 500, "Internal error"),
    DATABASE_UNAVAILABLE("database_unavailable", 503, "Database unavailable"),
    DATASET_BUSY("dataset_busy", 503, "Dataset busy"),
    TRANSACTION_CONFLICT("transaction_conflict", 503, "Transaction conflict"),
    AUDIT_UNAVAILABLE("audit_unavailable", 503, "Audit unavailable"),
    NOT_READY("not_ready", 503, "Not ready");

    private final String code;
    private final int status;
    private final String title;

    ProblemType(String code, int status, String title) {
        this.code = code;
        this.status = status;
        this.title = title;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The {@code type} URI of the problem document. */
    public String uri() {
        return "https://timestore.dev/problems/" + code.replace('_', '-');
    }
}
