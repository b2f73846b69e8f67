package io.timestore.server.refresh;

import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/** One refresh run of a dataset as stored; {@code watermark} in nanoseconds since the epoch. */
record RefreshRun(String runId, long seq, RefreshState state, OptionalLong watermark, String detailsJson,
                  Instant createdAt, String createdBy, Instant updatedAt, String updatedBy) {
    RefreshRun {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(watermark, "watermark");
        Objects.requireNonNull(detailsJson, "detailsJson");
    }
}
