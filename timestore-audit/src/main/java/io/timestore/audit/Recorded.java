package io.timestore.audit;

import java.util.Objects;
import java.util.UUID;

/**
 * Proof that an event is durable.
 *
 * @param eventId   the event's id
 * @param duplicate true when an event with this id was already stored (a retry, G5): nothing new
 *                  was written, and the stored event wins
 */
public record Recorded(UUID eventId, boolean duplicate) {
    public Recorded {
        Objects.requireNonNull(eventId, "eventId");
    }
}
