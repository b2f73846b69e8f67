package io.timestore.server.tenants;

import io.timestore.security.TenantId;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A tenant as stored.
 *
 * @param auditRetentionDays the tenant's own audit retention, or empty for the configured default
 * @param legalHold          while true, no audit event of this tenant is purged
 */
public record Tenant(TenantId id, String name, Status status, OptionalInt auditRetentionDays, boolean legalHold,
                     long revision, Instant createdAt, String createdBy, Instant updatedAt, String updatedBy) {

    public enum Status { ACTIVE, DISABLED }

    public Tenant {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(auditRetentionDays, "auditRetentionDays");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
