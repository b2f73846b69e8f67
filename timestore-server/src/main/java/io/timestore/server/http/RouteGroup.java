package io.timestore.server.http;

/** A feature's routes; the composition root hands each group to the {@link HttpServer}. */
@FunctionalInterface
public interface RouteGroup {
    void register(Routes routes);
}
