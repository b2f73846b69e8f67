package io.timestore.server.auditing;

import java.util.Objects;

/**
 * What a route does, for authorization and for its audit event.
 *
 * @param action       the action it needs, e.g. {@code dataset:write} (docs/architecture.md §6)
 * @param component    the feature, e.g. {@code points}, {@code tokens}, {@code audit}
 * @param resourceType the kind of resource it touches, e.g. {@code dataset}
 * @param mutation     whether it changes state: mutations commit their event with the change
 */
public record ApiOperation(String action, String component, String resourceType, boolean mutation) {
    public ApiOperation {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(resourceType, "resourceType");
    }

    public static ApiOperation read(String action, String component, String resourceType) {
        return new ApiOperation(action, component, resourceType, false);
    }

    public static ApiOperation mutation(String action, String component, String resourceType) {
        return new ApiOperation(action, component, resourceType, true);
    }
}
