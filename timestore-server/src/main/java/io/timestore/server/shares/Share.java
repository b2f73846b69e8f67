package io.timestore.server.shares;

import io.timestore.security.TenantId;
import io.timestore.security.authz.AccessRequirement;
import io.timestore.security.authz.DatasetAccess;
import io.timestore.security.authz.Resource;
import java.time.Instant;
import java.util.Objects;

/**
 * A read-only share of one dataset of {@code tenant} with the {@code grantee} tenant (BR-003).
 * The grantee's callers read through it when they hold {@code scope}.
 *
 * @param revision  new for every share made; the authorizer caches the share's requirement by it
 * @param scope     the OAuth scope a grantee caller must hold to read through the share
 * @param rationale why the data is shared
 * @param owner     the person or team answerable for the share
 */
public record Share(TenantId tenant, String dataset, TenantId grantee, long revision, String scope, String rationale,
                    String owner, Instant createdAt, String createdBy) {
    public Share {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(grantee, "grantee");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(rationale, "rationale");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(createdBy, "createdBy");
    }

    /**
     * The share as the authorizer sees it, in the grantee's tenant: a resource whose {@code read}
     * block names only the share's scope. Its id ({@code owner/dataset}) cannot be a dataset id, so
     * it never meets a real dataset in the authorizer's cache. Decided like any block: JWT and
     * signed-request callers holding the scope pass; API tokens (no scopes, and an all-datasets
     * permission does not reach a dataset with its own block) and operators of another tenant do not.
     */
    Resource.Dataset readResource() {
        return Resource.dataset(grantee, tenant.value() + "/" + dataset, revision,
                DatasetAccess.TENANT_DEFAULTS.withRead(AccessRequirement.scopes(scope)));
    }
}
