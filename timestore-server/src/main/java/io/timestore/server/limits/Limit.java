package io.timestore.server.limits;

import io.timestore.server.config.LimitSettings;
import java.util.function.ToLongFunction;

/**
 * The values an operator may set per tenant (docs/security.md, "Rate limits and quotas"): each
 * is a JSON member of {@code /admin/v1/tenants/{tenant}/limits}, a column of {@code tenant_limits}
 * (V35, same name) and overrides the {@code limits.*} setting it names.
 */
public enum Limit {
    TENANT_REQUESTS_PER_SECOND("limits.tenant.requests-per-second", s -> s.tenantRequests().perSecond()),
    TENANT_REQUEST_BURST("limits.tenant.request-burst", s -> s.tenantRequests().burst()),
    CREDENTIAL_REQUESTS_PER_SECOND("limits.credential.requests-per-second", s -> s.credentialRequests().perSecond()),
    CREDENTIAL_REQUEST_BURST("limits.credential.request-burst", s -> s.credentialRequests().burst()),
    POINTS_PER_SECOND("limits.tenant.points-per-second", s -> s.tenantPoints().perSecond()),
    POINTS_BURST("limits.tenant.points-burst", s -> s.tenantPoints().burst()),
    MAX_SERIES("limits.tenant.max-series", LimitSettings::maxSeries);

    private final String setting;
    private final ToLongFunction<LimitSettings> configured;

    Limit(String setting, ToLongFunction<LimitSettings> configured) {
        this.setting = setting;
        this.configured = configured;
    }

    /** Its JSON member and column name. */
    public String member() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The setting whose default it overrides. */
    public String setting() {
        return setting;
    }

    /** Its configured default. */
    long configured(LimitSettings settings) {
        return configured.applyAsLong(settings);
    }
}
