package io.timestore.server.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.ProblemType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Where route groups register their handlers. There are two kinds: API routes, always
 * authenticated and audited ({@link #api}), and the fixed set of operational paths
 * ({@link #operational}). Every route is recorded, so tests and metrics can enumerate them.
 */
public final class Routes {
    /** The only routes without authentication or audit events (docs/architecture.md §8). */
    public static final Set<String> OPERATIONAL_PATHS = Set.of("/healthz", "/readyz", "/metrics", "/openapi.yaml",
            "/ping", "/health");

    private final RoutesConfig javalin;
    private final AuditStep auditStep;
    private final Gate gate;
    private final long maxRequestBytes;
    private final List<Route> registered = new ArrayList<>();
    private final Handler answeredBeforeRouting;
    /** The context attribute naming the site a request was answered by (its metrics' route label). */
    static final String SITE = "timestore.site";

    Routes(RoutesConfig javalin, AuditStep auditStep, Gate gate, long maxRequestBytes, Handler answeredBeforeRouting) {
        this.answeredBeforeRouting = answeredBeforeRouting;
        this.javalin = javalin;
        this.auditStep = auditStep;
        this.gate = gate;
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Registers an API route: every request is admitted by the gate (one principal, one tenant),
     * handled, and leaves exactly one audit event, whatever its outcome. A GET route answers JSON
     * (see {@link #api(HandlerType, String, ApiOperation, List, SecuredHandler)}).
     */
    public void api(HandlerType method, String path, ApiOperation operation, SecuredHandler handler) {
        api(method, path, operation, defaultRepresentations(method), handler);
    }

    /**
     * Registers an API route whose responses come in {@code produces} (the first is the default):
     * once the request is admitted, and before the handler runs, an {@code Accept} header that
     * accepts none of them is 406 {@code not_acceptable}, audited like any other failure. The
     * handler picks its representation with {@link Representations#choose}. An empty list (the
     * default of every method but GET) leaves {@code Accept} unchecked: a write is not refused
     * for the representation of its confirmation.
     */
    public void api(HandlerType method, String path, ApiOperation operation, List<String> produces, SecuredHandler handler) {
        var guarded = negotiating(produces, withinDeclaredLimit(handler));
        add(method, path, ctx -> auditStep.run(ctx, operation, gate, guarded), false);
    }

    /**
     * Registers a platform route (tenant administration): authenticated and audited like every
     * API route, but not bound to a tenant the caller names; see {@link AuditStep#runPlatform}.
     * Its representations are negotiated as those of {@link #api}.
     */
    public void platform(HandlerType method, String path, ApiOperation operation, SecuredHandler handler) {
        var guarded = negotiating(defaultRepresentations(method), withinDeclaredLimit(handler));
        add(method, path, ctx -> auditStep.runPlatform(ctx, operation, gate, guarded), false);
    }

    /**
     * Refuses a body whose Content-Length is over the limit before anything reads it: the 413
     * goes out at once, and a client waiting for {@code 100 Continue} never sends the body. A
     * body without a declared length (chunked) is held to the limit while it is read.
     */
    private SecuredHandler withinDeclaredLimit(SecuredHandler handler) {
        return (ctx, security, audit) -> {
            long declared = ctx.req().getContentLengthLong();
            if (declared > maxRequestBytes) {
                throw new InvalidRequest(ProblemType.PAYLOAD_TOO_LARGE,
                        "the body has %d bytes; at most %d are accepted".formatted(declared, maxRequestBytes));
            }
            handler.handle(ctx, security, audit);
        };
    }

    /**
     * Registers a route of the audit trail's reads: a platform operator (JWT) that names no tenant
     * with X-Tenant-ID acts on the platform, as on {@link #platform} routes, and its event goes to
     * the platform partition; everyone else, and an operator naming a tenant, as on {@link #api}
     * routes. See {@link AuditStep#runTenantOrPlatform}. Representations as for {@link #api}.
     */
    public void tenantOrPlatform(HandlerType method, String path, ApiOperation operation, SecuredHandler handler) {
        tenantOrPlatform(method, path, operation, defaultRepresentations(method), handler);
    }

    /** As {@link #tenantOrPlatform(HandlerType, String, ApiOperation, SecuredHandler)}, answering in {@code produces}. */
    public void tenantOrPlatform(HandlerType method, String path, ApiOperation operation, List<String> produces,
                                 SecuredHandler handler) {
        var guarded = negotiating(produces, withinDeclaredLimit(handler));
        add(method, path, ctx -> auditStep.runTenantOrPlatform(ctx, operation, gate, guarded), false);
    }

    /**
     * Issues a bearer token from a request's own content (the console's development sign-in), or
     * throws the problem that refuses it. The issued token is on the context under {@link #ISSUED}.
     */
    @FunctionalInterface
    public interface Issuer {
        String ISSUED = "timestore.issued-token";

        String issue(io.javalin.http.Context ctx) throws Exception;
    }

    /**
     * Registers a route that issues the credential it is then admitted with (see
     * {@link AuditStep#runIssuing}): audited like every API route, its event naming the actor the
     * issued token authenticates as. Its handler reads the token from {@link Issuer#ISSUED}.
     */
    public void issuing(HandlerType method, String path, ApiOperation operation, Issuer issuer, SecuredHandler handler) {
        var guarded = withinDeclaredLimit(handler);
        add(method, path, ctx -> auditStep.runIssuing(ctx, operation, gate, issuer, guarded), false);
    }

    /**
     * Serves the static files of a site under {@code prefix} (the console, docs/console.md):
     * GET and HEAD only, answered before routing, with neither credentials nor an audit event,
     * like the operational paths; {@code site} returns false for a path it does not hold, which
     * then goes on to the router (an unmatched path is audited as usual). Every response under
     * the prefix gets {@code headers} first, a 404 included.
     */
    public void site(String prefix, Handler headers, Predicate<io.javalin.http.Context> site) {
        if (!prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new IllegalArgumentException("a site's prefix is /name, not " + prefix);
        }
        Handler serve = ctx -> {
            headers.handle(ctx);
            if ((ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD) && site.test(ctx)) {
                // Skipping the remaining handlers skips the after-handler too: its access log line and metrics run here.
                ctx.attribute(SITE, prefix + "/*");
                answeredBeforeRouting.handle(ctx);
                ctx.skipRemainingHandlers();
            }
        };
        javalin.before(prefix, serve);
        javalin.before(prefix + "/*", serve);
    }

    private static List<String> defaultRepresentations(HandlerType method) {
        return method == HandlerType.GET ? List.of(Representations.JSON) : List.of();
    }

    private static SecuredHandler negotiating(List<String> produces, SecuredHandler handler) {
        if (produces.isEmpty()) {
            return handler;
        }
        var offered = List.copyOf(produces);
        return (ctx, security, audit) -> {
            Representations.choose(ctx, offered);
            handler.handle(ctx, security, audit);
        };
    }

    /** Registers a GET on one of {@link #OPERATIONAL_PATHS}; anything else is a programming error. */
    public void operational(String path, Handler handler) {
        operational(HandlerType.GET, path, handler);
    }

    /**
     * Registers a GET or HEAD on one of {@link #OPERATIONAL_PATHS} (InfluxDB clients probe
     * {@code /ping} with either); any other path or method is a programming error.
     */
    public void operational(HandlerType method, String path, Handler handler) {
        if (!OPERATIONAL_PATHS.contains(path)) {
            throw new IllegalArgumentException(path + " is not an operational path; only " + OPERATIONAL_PATHS + " are");
        }
        if (method != HandlerType.GET && method != HandlerType.HEAD) {
            throw new IllegalArgumentException("operational routes answer GET or HEAD, not " + method);
        }
        add(method, path, handler, true);
    }

    List<Route> registered() {
        return List.copyOf(registered);
    }

    private void add(HandlerType method, String path, Handler handler, boolean operational) {
        javalin.addHttpHandler(method, path, handler);
        registered.add(new Route(method.name(), path, operational));
    }
}
