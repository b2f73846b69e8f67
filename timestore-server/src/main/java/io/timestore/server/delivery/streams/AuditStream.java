package io.timestore.server.delivery.streams;

import io.timestore.audit.delivery.format.EventEncoders.Format;
import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant's registered webhook endpoint, as listed: never its secret.
 *
 * @param pausedAt when it was paused, empty while it is active
 */
public record AuditStream(String tenant, String id, String name, URI url, Format format, boolean cloudEvents,
                          Optional<Instant> pausedAt, Instant createdAt, String createdBy) {
    public AuditStream {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(pausedAt, "pausedAt");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** The sink name that keys this stream's delivery cursors: stable for the stream's life. */
    public String sinkName() {
        return sinkName(id);
    }

    /** The sink name of the stream with this id. */
    static String sinkName(String id) {
        return "tenant-stream:" + id;
    }

    public String status() {
        return pausedAt.isPresent() ? "paused" : "active";
    }
}
