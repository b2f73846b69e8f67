package io.timestore.server.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.timestore.server.config.HttpSettings;
import io.timestore.server.problems.ProblemType;
import io.timestore.server.tls.TlsContext;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Jetty on virtual threads, through Javalin. Around every request: a request id and trace
 * context (echoed as {@code X-Request-ID} and {@code traceparent}), the logging MDC, one access
 * log line, metrics, and RFC 9457 errors for anything that goes wrong, unmatched paths included.
 *
 * <p>Clients are held to limits ({@link ConnectionGuard}): a request head must arrive within the
 * header timeout, an idle connection closes after the idle timeout, one address may hold a
 * bounded number of connections. A request answered before its body was read still lets the
 * client read the answer ({@link BodyDrain}).
 *
 * <p>Stopping is graceful: the connector stops accepting, in-flight requests get up to the
 * configured shutdown timeout to finish, then the server stops.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private static final Logger accessLog = LoggerFactory.getLogger("io.timestore.access");
    private static final String SPAN = "timestore.span";
    /** {@code Strict-Transport-Security: max-age} on HTTPS responses: one year. */
    public static final Duration HSTS_MAX_AGE = Duration.ofDays(365);
    private static final String SCOPE = "timestore.span.scope";
    private static final TextMapGetter<Context> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Context ctx) {
            return ctx.headerMap().keySet();
        }

        @Override
        public String get(Context ctx, String key) {
            return ctx == null ? null : ctx.header(key);
        }
    };

    private final Javalin javalin;
    private final List<Route> routes;
    private final List<Route> served;

    private HttpServer(Javalin javalin, List<Route> routes) {
        this.javalin = javalin;
        this.routes = routes;
        this.served = served(javalin);
    }

    /**
     * What every request needs besides its route: ids, time, errors, metrics, and the tracer of
     * the request's server span ({@code tracing} false: no spans, Timestore's own trace context).
     */
    public record Collaborators(Problems problems, RequestIds requestIds, InstantSource clock,
                                RandomGenerator random, MeterRegistry registry, AuditStep auditStep, Gate gate,
                                Tracer tracer, boolean tracing) {
        public Collaborators {
            Objects.requireNonNull(tracer, "tracer");
            Objects.requireNonNull(auditStep, "auditStep");
            Objects.requireNonNull(gate, "gate");
            Objects.requireNonNull(problems, "problems");
            Objects.requireNonNull(requestIds, "requestIds");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(random, "random");
            Objects.requireNonNull(registry, "registry");
        }
    }

    /**
     * Starts the listener: HTTPS with {@code tls} when present (TLS only, HSTS on every response),
     * plain HTTP otherwise (local development only).
     */
    public static HttpServer start(HttpSettings settings, Optional<TlsContext> tls, Collaborators with, List<RouteGroup> groups) {
        var metrics = new HttpMetrics(with.registry());
        var registered = new Routes[1];
        var javalin = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.generateEtags = false;
            config.http.maxRequestSize = settings.maxRequestBytes();
            config.http.prefer405over404 = true;
            config.jetty.modifyServer(server -> {
                server.setStopTimeout(settings.shutdownTimeout().toMillis());
                server.setHandler(new GracefulHandler(new BodyDrain()));
                server.setErrorHandler(new ProtocolErrors(with.registry()));
            });
            // Room for an 8 KiB bearer token plus ordinary headers; larger blocks are a 431 problem.
            config.jetty.modifyHttpConfiguration(http -> http.setRequestHeaderSize(16 * 1024));
            config.jetty.addConnector((server, http) -> connector(server, http, settings, tls, with.registry()));
            var routes = new Routes(config.routes, with.auditStep(), with.gate(), settings.maxRequestBytes(),
                    ctx -> finish(ctx, with, metrics));
            var sources = new SourceAddress(settings.trustedProxies());
            var cors = new Cors(settings.cors());
            config.routes.before(ctx -> {
                ctx.attribute(SourceAddress.ATTRIBUTE, sources.resolve(ctx));
                begin(ctx, with, metrics);
                if (cors.handle(ctx)) {
                    // Skipping the remaining handlers skips the after-handler too: its access log line and metrics run here.
                    finish(ctx, with, metrics);
                    ctx.skipRemainingHandlers();
                }
            });
            config.routes.beforeMatched(HttpServer::matched);
            config.routes.after(ctx -> finish(ctx, with, metrics));
            config.routes.exception(Exception.class, (failure, ctx) -> with.problems().handle(failure, ctx));
            // A request no route matched still gets a problem and, being an API request, its one
            // audit event (G3); a matched route's own 404 was already written and audited.
            config.routes.error(404, ctx -> {
                if (ctx.endpoints().matchedHttpEndpoint() == null) {
                    var problem = with.problems().write(ctx, ProblemType.NOT_FOUND, "no route matches " + ctx.method() + " " + ctx.path(), Map.of());
                    with.auditStep().recordUnmatched(ctx, problem);
                }
            });
            config.routes.error(405, ctx -> {
                if (ctx.endpoints().matchedHttpEndpoint() == null) {
                    var problem = with.problems().write(ctx, ProblemType.METHOD_NOT_ALLOWED, ctx.method() + " is not allowed on " + ctx.path(), Map.of());
                    with.auditStep().recordUnmatched(ctx, problem);
                }
            });
            groups.forEach(group -> group.register(routes));
            registered[0] = routes;
        });
        javalin.start();
        var routes = registered[0].registered();
        metrics.routeCoverage(auditedShare(javalin, routes));
        return new HttpServer(javalin, routes);
    }

    /**
     * The one listener: HTTP/1.1 (inside TLS when configured) whose idle connections close after
     * the idle timeout, and whose clients are held to the header timeout and the per-source
     * connection cap.
     */
    private static ServerConnector connector(Server server, HttpConfiguration http, HttpSettings settings,
                                             Optional<TlsContext> tls, MeterRegistry registry) {
        var connector = tls.map(context -> {
            var https = new HttpConfiguration(http);
            https.setSecureScheme("https");
            // One certificate, so no SNI-based choice to check; HSTS tells browsers to stay on HTTPS.
            var secure = new SecureRequestCustomizer(false, HSTS_MAX_AGE.toSeconds(), false);
            https.addCustomizer(secure);
            return new ServerConnector(server, new SslConnectionFactory(context.factory(), HttpVersion.HTTP_1_1.asString()),
                    new HttpConnectionFactory(https));
        }).orElseGet(() -> new ServerConnector(server, new HttpConnectionFactory(http)));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        connector.setIdleTimeout(settings.idleTimeout().toMillis());
        connector.addEventListener(new ConnectionGuard(connector.getScheduler(), settings.headerTimeout(),
                settings.maxConnectionsPerSource(), registry));
        return connector;
    }

    /**
     * Of the endpoints Javalin actually serves outside the operational paths, the share that was
     * registered as an API route (so runs through the audit step): 1 unless a handler was added
     * around {@link Routes}, which would be a request without its audit event (G3).
     */
    private static double auditedShare(Javalin javalin, List<Route> routes) {
        var audited = routes.stream().filter(route -> !route.operational())
                .map(route -> route.method() + " " + route.path()).collect(java.util.stream.Collectors.toSet());
        var served = served(javalin).stream()
                .filter(route -> !route.operational())
                .map(route -> route.method() + " " + route.path())
                .toList();
        if (served.isEmpty()) {
            return 1.0;
        }
        var unaudited = served.stream().filter(endpoint -> !audited.contains(endpoint)).toList();
        if (!unaudited.isEmpty()) {
            log.error("routes served without the audit step (G3): {}", unaudited);
        }
        return served.stream().filter(audited::contains).count() / (double) served.size();
    }

    /**
     * Every endpoint Javalin serves, however it was added; {@code operational} when its path is
     * one of {@link Routes#OPERATIONAL_PATHS}.
     */
    private static List<Route> served(Javalin javalin) {
        return javalin.unsafe.internalRouter.allHttpHandlers().stream()
                .map(parsed -> parsed.endpoint)
                .filter(endpoint -> endpoint.method.isHttpMethod())
                .map(endpoint -> new Route(endpoint.method.name(), endpoint.path,
                        Routes.OPERATIONAL_PATHS.contains(endpoint.path)))
                .toList();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return javalin.port();
    }

    /** Every route registered through {@link Routes}, operational ones included. */
    public List<Route> routes() {
        return routes;
    }

    /**
     * Every endpoint the server answers, read back from Javalin's router: the same as
     * {@link #routes()} unless a handler was added around {@link Routes} (which would bypass the
     * audit step, G3).
     */
    public List<Route> served() {
        return served;
    }

    /**
     * Stops accepting, waits up to the shutdown timeout for in-flight requests, then stops.
     *
     * @return true when every in-flight request finished in time; false when some were cut off
     */
    public boolean stop() {
        try {
            javalin.stop();
            return true;
        } catch (RuntimeException e) {
            // Jetty gave up waiting for in-flight requests: they are cut off, which the bound promised.
            log.warn("in-flight requests did not finish within the shutdown timeout; stopped anyway ({})", e.getMessage());
            return false;
        }
    }

    /** As {@link #stop()}, for try-with-resources. */
    @Override
    public void close() {
        stop();
    }

    private static void begin(Context ctx, Collaborators with, HttpMetrics metrics) {
        var request = new RequestContext(
                with.requestIds().accept(ctx.header("X-Request-ID")),
                with.requestIds().next(),
                with.tracing() ? startSpan(ctx, with.tracer()) : TraceContext.continueOrStart(ctx.header("traceparent"), with.random()),
                with.clock().instant(),
                System.nanoTime());
        ctx.attribute(RequestContext.ATTRIBUTE, request);
        ctx.header("X-Request-ID", request.requestId());
        ctx.header("traceparent", request.trace().traceparent());
        MDC.put("request_id", request.requestId());
        MDC.put("trace_id", request.trace().traceId());
        metrics.started();
    }

    /**
     * Starts the request's server span, continuing a valid incoming traceparent, and makes it
     * current for the handler's thread; the trace context echoed and logged is the span's own.
     */
    private static TraceContext startSpan(Context ctx, Tracer tracer) {
        var parent = W3CTraceContextPropagator.getInstance()
                .extract(io.opentelemetry.context.Context.root(), ctx, HEADERS);
        var span = tracer.spanBuilder(ctx.method().name())
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", ctx.method().name())
                .setAttribute("url.path", ctx.path())
                .startSpan();
        ctx.attribute(SPAN, span);
        ctx.attribute(SCOPE, span.makeCurrent());
        var context = span.getSpanContext();
        return new TraceContext(context.getTraceId(), context.getSpanId(), context.isSampled());
    }

    /** Once a route matched: its template goes into the MDC (every later log line) and the span name. */
    private static void matched(Context ctx) {
        var endpoint = ctx.endpoints().matchedHttpEndpoint();
        if (endpoint == null) {
            return;
        }
        MDC.put("route", endpoint.path);
        Span span = ctx.attribute(SPAN);
        if (span != null) {
            span.updateName(ctx.method().name() + " " + endpoint.path);
            span.setAttribute("http.route", endpoint.path);
        }
    }

    private static void endSpan(Context ctx, String route, int status) {
        Scope scope = ctx.attribute(SCOPE);
        if (scope != null) {
            scope.close();
        }
        Span span = ctx.attribute(SPAN);
        if (span == null) {
            return;
        }
        span.setAttribute("http.response.status_code", status);
        if (route.equals("unmatched")) {
            span.updateName(ctx.method().name());
        }
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    private static void finish(Context ctx, Collaborators with, HttpMetrics metrics) {
        RequestContext request = ctx.attribute(RequestContext.ATTRIBUTE);
        if (request == null) {
            return;
        }
        var duration = Duration.ofNanos(System.nanoTime() - request.startNanos());
        var endpoint = ctx.endpoints().matchedHttpEndpoint();
        String site = ctx.attribute(Routes.SITE);
        var route = endpoint != null ? endpoint.path : site != null ? site : "unmatched";
        int status = ctx.statusCode();
        metrics.finished(ctx.method().name(), route, status, duration);
        MDC.put("route", route);
        endSpan(ctx, route, status);
        accessLog.atInfo()
                .addKeyValue("method", ctx.method().name())
                .addKeyValue("path", ctx.path())
                .addKeyValue("status", status)
                .addKeyValue("duration_ms", duration.toNanos() / 1_000_000.0)
                .log("{} {} {} {}ms", ctx.method().name(), ctx.path(), status, duration.toMillis());
        MDC.clear();
    }
}
