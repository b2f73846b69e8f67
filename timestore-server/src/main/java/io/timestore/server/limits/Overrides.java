package io.timestore.server.limits;

import io.timestore.server.config.LimitSettings;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant's overrides as an operator set them: the limits it names replace the configured
 * defaults for this tenant (0 is unlimited); the others keep the defaults.
 *
 * @param values    the overridden limits, each between 0 and {@link LimitSettings#MAX}
 * @param updatedAt when they were set, empty when the tenant has none
 * @param updatedBy who set them, empty when the tenant has none
 */
public record Overrides(Map<Limit, Long> values, Optional<Instant> updatedAt, Optional<String> updatedBy) {
    public static final Overrides NONE = new Overrides(Map.of(), Optional.empty(), Optional.empty());

    public Overrides {
        var copy = new EnumMap<Limit, Long>(Limit.class);
        copy.putAll(Objects.requireNonNull(values, "values"));
        copy.forEach((limit, value) -> {
            if (value == null || value < 0 || value > LimitSettings.MAX) {
                throw new IllegalArgumentException(limit.member() + " must be between 0 and " + LimitSettings.MAX + ", found " + value);
            }
        });
        values = Collections.unmodifiableMap(copy);
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(updatedBy, "updatedBy");
    }

    /** The limits in force for a tenant with these overrides, over {@code defaults}. */
    public TenantLimits over(LimitSettings defaults) {
        return new TenantLimits(
                new LimitSettings.Rate(value(Limit.TENANT_REQUESTS_PER_SECOND, defaults), value(Limit.TENANT_REQUEST_BURST, defaults)),
                new LimitSettings.Rate(value(Limit.CREDENTIAL_REQUESTS_PER_SECOND, defaults), value(Limit.CREDENTIAL_REQUEST_BURST, defaults)),
                new LimitSettings.Rate(value(Limit.POINTS_PER_SECOND, defaults), value(Limit.POINTS_BURST, defaults)),
                value(Limit.MAX_SERIES, defaults));
    }

    /** The value in force for {@code limit}: overridden, or configured. */
    public long value(Limit limit, LimitSettings defaults) {
        var value = values.get(limit);
        return value == null ? limit.configured(defaults) : value;
    }
}
