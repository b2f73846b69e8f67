package io.timestore.security;

/**
 * Tells the {@link TenantResolver} whether a tenant may be acted on. The server implements it over
 * the tenants table (typically with a short-lived cache; disabling a tenant should take effect
 * within seconds).
 *
 * <p>Contract: thread-safe; never returns {@code null}; returns {@link TenantStatus#UNKNOWN} for a
 * tenant it has never heard of. May throw an unchecked exception when the backing store fails —
 * that is an outage (503), not an authentication failure.
 */
@FunctionalInterface
public interface TenantDirectory {
    TenantStatus status(TenantId tenant);
}
