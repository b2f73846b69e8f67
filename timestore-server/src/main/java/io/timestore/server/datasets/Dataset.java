package io.timestore.server.datasets;

import io.timestore.security.TenantId;
import io.timestore.security.authz.DatasetAccess;
import io.timestore.security.authz.Resource;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A dataset's metadata as stored. {@code revision} starts at 1 and grows by one on every change,
 * so it doubles as the ETag for {@code If-Match} and as the authorizer's cache key.
 */
public record Dataset(TenantId tenant, String id, Optional<String> description, Map<String, String> labels,
                      DatasetAccess access, OptionalInt retentionDays, long revision, Instant createdAt,
                      String createdBy, Instant updatedAt, String updatedBy) {
    public Dataset {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(description, "description");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(retentionDays, "retentionDays");
    }

    /** The dataset as the authorizer sees it. */
    public Resource.Dataset resource() {
        return Resource.dataset(tenant, id, revision, access);
    }
}
