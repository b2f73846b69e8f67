package io.timestore.audit.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one sink stands in one partition: the durable cursor and, next to it, how far behind the
 * sealed trail it is.
 *
 * @param sink          the sink's name
 * @param partition     the tenant id or {@code _platform}
 * @param deliveredSeq  the last acknowledged {@code seq} (0: nothing delivered yet)
 * @param headSeq       the partition's newest sealed {@code seq} (0: none)
 * @param lag           how long the oldest undelivered event has been sealed; zero when none waits
 * @param deliveredAt   when the cursor last moved
 * @param parkedAt      when delivery was parked after a refusal retrying cannot fix; empty while it runs
 * @param parkedReason  the refusal, as the sink reported it (no secrets)
 */
public record DeliveryCursor(String sink, String partition, long deliveredSeq, long headSeq, Duration lag,
                             Optional<Instant> deliveredAt, Optional<Instant> parkedAt, Optional<String> parkedReason) {
    public DeliveryCursor {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(lag, "lag");
        Objects.requireNonNull(deliveredAt, "deliveredAt");
        Objects.requireNonNull(parkedAt, "parkedAt");
        Objects.requireNonNull(parkedReason, "parkedReason");
    }

    /** Sealed events not yet acknowledged by the sink. */
    public long lagEvents() {
        return Math.max(0, headSeq - deliveredSeq);
    }

    public boolean parked() {
        return parkedAt.isPresent();
    }
}
