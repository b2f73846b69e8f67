package io.timestore.server.query;

import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.http.CursorScope;
import io.timestore.server.http.Listing;
import java.util.Objects;

/**
 * The dataset a read targets, as the request names it: the caller's own ({@code viaShare} false,
 * {@code owner} the caller's tenant), or another tenant's through a share (BR-003). Nothing here
 * is authorized yet: {@link QueryService} authorizes it in the read's own transaction.
 */
record ReadTarget(TenantId owner, String dataset, boolean viaShare) {
    ReadTarget {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(dataset, "dataset");
    }

    /** The scope of a cursor of {@code listing} over this dataset, issued to the caller's tenant. */
    CursorScope scope(Listing listing, SecurityContext security) {
        return CursorScope.of(listing, security.tenant().value()).with("owner", owner.value()).with("dataset", dataset);
    }
}
