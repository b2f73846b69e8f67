package io.timestore.security;

/** The state of a tenant as far as admitting requests is concerned. */
public enum TenantStatus {
    ACTIVE,
    DISABLED,
    UNKNOWN
}
