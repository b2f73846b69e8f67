package io.timestore.server.config;

import io.timestore.audit.redaction.RedactionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The audit trail (docs/architecture.md §7).
 *
 * @param maxWait            how long a response may wait for its event to be durable before it
 *                           becomes 503 {@code audit_unavailable}
 * @param recordDenied       whether 401/403 outcomes are recorded (default true)
 * @param queueCapacity      events that may wait for the group commit at once
 * @param maxBatch           the most events one group commit carries
 * @param redaction          what is masked or removed from {@code details} before storage
 * @param sealInterval       how often the sequencer looks for unsealed events
 * @param checkpointEvery    sign a checkpoint after this many newly sealed events of a tenant
 * @param checkpointInterval ... or when this much time passed since the tenant's last checkpoint
 * @param retentionDays      how long events are kept unless a tenant says otherwise (default 365)
 * @param retentionInterval  how often the retention job runs
 * @param signingKeyFile     the Ed25519 checkpoint key (PKCS#8, base64); generated under the
 *                           data dir when absent and the database is embedded
 * @param logName            names this deployment's transparency logs: partition {@code p}'s tree
 *                           checkpoints have the origin {@code <logName>/<p>} (docs/transparency-log.md)
 * @param delivery           audit delivery: the platform sinks and the loop's pace (docs/audit-delivery.md)
 */
public record AuditSettings(Duration maxWait, boolean recordDenied, int queueCapacity, int maxBatch,
                            RedactionPolicy redaction, Duration sealInterval, int checkpointEvery,
                            Duration checkpointInterval, int retentionDays, Duration retentionInterval,
                            Optional<Path> signingKeyFile, String logName, DeliverySettings delivery) {
    /**
     * The most events one sealing transaction takes from a partition: large enough that sealing
     * keeps up with ingestion (≈ 50 ms per batch, docs/benchmarks.md), small enough that one
     * transaction's locks and WAL stay modest. Not a setting: nothing an operator sees depends on it.
     */
    public static final int SEAL_BATCH_SIZE = 10_000;
    /** How often the checkpoint key file is checked for a rotated key (docs/security.md "Key rotation"). */
    public static final Duration SIGNING_KEY_RELOAD_INTERVAL = Duration.ofSeconds(2);
    /**
     * How long a rotated-out checkpoint key keeps co-signing tree notes, so witnesses that trust
     * only the old key keep verifying while they add the new one; then it is retired.
     */
    public static final Duration SIGNING_KEY_GRACE = Duration.ofDays(7);
    /**
     * How often a sequencer that is not leading tries to take the lead: a standby takes over within
     * this after the leader's connection drops; more often would only add advisory-lock queries.
     */
    public static final Duration SEQUENCER_LEADER_RETRY = Duration.ofSeconds(5);
    /**
     * Events and seals the retention job deletes per transaction: each batch is its own transaction,
     * so a purge of millions of rows never holds one long transaction or a huge lock set.
     */
    public static final int RETENTION_BATCH_SIZE = 5_000;
    /**
     * How long shutdown waits for queued audit events to be committed. A request whose event is
     * queued is still waiting for it (up to {@code maxWait}, at most 60 s), so this covers the
     * usual few milliseconds of a group commit with a wide margin without stalling a stop.
     */
    public static final Duration SHUTDOWN_DRAIN = Duration.ofSeconds(5);

    public AuditSettings {
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(redaction, "redaction");
        Objects.requireNonNull(sealInterval, "sealInterval");
        Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        Objects.requireNonNull(retentionInterval, "retentionInterval");
        Objects.requireNonNull(signingKeyFile, "signingKeyFile");
        Objects.requireNonNull(logName, "logName");
        Objects.requireNonNull(delivery, "delivery");
    }

    public AuditSettings withMaxWait(Duration replacement) {
        return new AuditSettings(replacement, recordDenied, queueCapacity, maxBatch, redaction, sealInterval,
                checkpointEvery, checkpointInterval, retentionDays, retentionInterval, signingKeyFile, logName, delivery);
    }

    public AuditSettings withCheckpoints(int every, Duration interval) {
        return new AuditSettings(maxWait, recordDenied, queueCapacity, maxBatch, redaction, sealInterval,
                every, interval, retentionDays, retentionInterval, signingKeyFile, logName, delivery);
    }

    public AuditSettings withDelivery(DeliverySettings replacement) {
        return new AuditSettings(maxWait, recordDenied, queueCapacity, maxBatch, redaction, sealInterval,
                checkpointEvery, checkpointInterval, retentionDays, retentionInterval, signingKeyFile, logName, replacement);
    }
}
