package io.timestore.server.ops;

import io.timestore.security.TenantId;
import io.timestore.server.config.TelemetrySettings;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code tenant} label, bounded: absent unless {@code metrics.per-tenant} is on, and then the
 * first {@code metrics.per-tenant-limit} tenants seen get their own value while every later one
 * shares {@value #OTHER}. A tenant keeps its label for the life of the process. Thread-safe.
 */
public final class TenantLabels {
    /** The label value of tenants beyond the limit. */
    public static final String OTHER = "_other";
    private final boolean enabled;
    private final int limit;
    private final Set<String> labelled = ConcurrentHashMap.newKeySet();

    public TenantLabels(TelemetrySettings settings) {
        this.enabled = settings.perTenantMetrics();
        this.limit = settings.perTenantLimit();
    }

    /** Whether metrics carry a tenant label at all. */
    public boolean enabled() {
        return enabled;
    }

    /** The label value for {@code tenant}, or empty when per-tenant metrics are off. */
    public Optional<String> label(TenantId tenant) {
        if (!enabled) {
            return Optional.empty();
        }
        var id = tenant.value();
        if (labelled.contains(id)) {
            return Optional.of(id);
        }
        synchronized (labelled) {
            if (labelled.size() < limit) {
                labelled.add(id);
                return Optional.of(id);
            }
        }
        return Optional.of(OTHER);
    }

    /** Whether {@code tenant} has its own label value (and so may have per-dataset series). */
    public boolean labelled(TenantId tenant) {
        return label(tenant).filter(value -> !value.equals(OTHER)).isPresent();
    }
}
