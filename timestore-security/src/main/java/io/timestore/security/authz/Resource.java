package io.timestore.security.authz;

import io.timestore.security.TenantId;
import java.util.Objects;

/**
 * What an action targets: the tenant itself (tokens, audit, tenant administration, listing or
 * creating datasets) or one dataset of a tenant together with its access metadata.
 */
public sealed interface Resource permits Resource.Tenant, Resource.Dataset {

    /** The tenant that owns the resource. */
    TenantId tenant();

    static Tenant tenant(TenantId tenant) {
        return new Tenant(tenant);
    }

    static Dataset dataset(TenantId tenant, String id, long revision, DatasetAccess access) {
        return new Dataset(tenant, id, revision, access);
    }

    /** The tenant as a whole. */
    record Tenant(TenantId tenant) implements Resource {
        public Tenant {
            Objects.requireNonNull(tenant, "tenant");
        }
    }

    /**
     * One dataset. {@code revision} must change whenever {@code access} changes (every dataset
     * change bumps it): compiled requirements are cached by {@code (tenant, id, revision)}.
     */
    record Dataset(TenantId tenant, String id, long revision, DatasetAccess access) implements Resource {
        public Dataset {
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(access, "access");
            if (id.isBlank()) {
                throw new IllegalArgumentException("dataset id must not be blank");
            }
        }
    }
}
