package io.timestore.audit.delivery;

import java.util.List;

/**
 * The sinks the delivery loop feeds. The loop asks again on every round, so targets may appear,
 * pause and disappear at runtime (a tenant registering or deleting its own stream) without a
 * restart. A target missing from one answer is simply not fed in that round; its cursors stay.
 */
@FunctionalInterface
public interface DeliveryTargets {
    /** The targets to feed now; never null. Must be cheap (cached) since it is called every round. */
    List<DeliveryTarget> current();

    /** A fixed set, e.g. the platform sinks from configuration. */
    static DeliveryTargets of(List<DeliveryTarget> targets) {
        var copy = List.copyOf(targets);
        return () -> copy;
    }

    /** The targets of every source, in order (e.g. platform sinks from configuration, then tenants' streams). */
    static DeliveryTargets concat(List<DeliveryTargets> sources) {
        var copy = List.copyOf(sources);
        return () -> copy.stream().flatMap(source -> source.current().stream()).toList();
    }
}
