package io.timestore.server.http;

import java.util.Objects;

/**
 * A registered route: method, path template, and whether it is one of the few operational
 * routes exempt from authentication and audit ({@code /healthz}, {@code /readyz},
 * {@code /metrics}, {@code /openapi.yaml}).
 */
public record Route(String method, String path, boolean operational) {
    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
    }
}
