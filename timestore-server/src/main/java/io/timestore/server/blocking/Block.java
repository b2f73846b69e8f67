package io.timestore.server.blocking;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One block: who, since when, until when, after how many failures; and, once it ended, when and
 * why ({@code expired} or {@code lifted}, with the operator who lifted it).
 */
public record Block(UUID id, Subject subject, int failures, Instant startedAt, Instant until,
                    Optional<Instant> endedAt, Optional<String> endReason, Optional<String> liftedBy) {
    public Block {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(until, "until");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(endReason, "endReason");
        Objects.requireNonNull(liftedBy, "liftedBy");
    }

    /** Whether the block refuses requests at {@code now}. */
    boolean inForce(Instant now) {
        return endedAt.isEmpty() && until.isAfter(now);
    }
}
