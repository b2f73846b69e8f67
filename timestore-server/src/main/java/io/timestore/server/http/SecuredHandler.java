package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.RequestAudit;

/**
 * A route handler that runs only for an authenticated request bound to one tenant. It parses and
 * validates its input, calls its feature service with the security context, and tells the audit
 * what it touched. Exceptions become problem responses (and the audit event's outcome).
 */
@FunctionalInterface
public interface SecuredHandler {
    void handle(Context ctx, SecurityContext security, RequestAudit audit) throws Exception;
}
