package io.timestore.server.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Where route groups register their handlers. Every route is recorded, so tests and metrics can
 * enumerate them; only the fixed set of operational paths may be registered as operational.
 */
public final class Routes {
    /** The only routes without authentication or audit events (DESIGN.md §8). */
    public static final Set<String> OPERATIONAL_PATHS = Set.of("/healthz", "/readyz", "/metrics", "/openapi.yaml");

    private final RoutesConfig javalin;
    private final List<Route> registered = new ArrayList<>();

    Routes(RoutesConfig javalin) {
        this.javalin = javalin;
    }

    public void get(String path, Handler handler) {
        add(HandlerType.GET, path, handler, false);
    }

    public void post(String path, Handler handler) {
        add(HandlerType.POST, path, handler, false);
    }

    public void patch(String path, Handler handler) {
        add(HandlerType.PATCH, path, handler, false);
    }

    public void delete(String path, Handler handler) {
        add(HandlerType.DELETE, path, handler, false);
    }

    /** Registers a GET on one of {@link #OPERATIONAL_PATHS}; anything else is a programming error. */
    public void operational(String path, Handler handler) {
        if (!OPERATIONAL_PATHS.contains(path)) {
            throw new IllegalArgumentException(path + " is not an operational path; only " + OPERATIONAL_PATHS + " are");
        }
        add(HandlerType.GET, path, handler, true);
    }

    List<Route> registered() {
        return List.copyOf(registered);
    }

    private void add(HandlerType method, String path, Handler handler, boolean operational) {
        javalin.addHttpHandler(method, path, handler);
        registered.add(new Route(method.name(), path, operational));
    }
}
