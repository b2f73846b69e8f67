package io.timestore.server.config;

import io.timestore.audit.redaction.RedactionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The audit trail (DESIGN.md §7).
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
 */
public record AuditSettings(Duration maxWait, boolean recordDenied, int queueCapacity, int maxBatch,
                            RedactionPolicy redaction, Duration sealInterval, int checkpointEvery,
                            Duration checkpointInterval, int retentionDays, Duration retentionInterval,
                            Optional<Path> signingKeyFile) {
    public AuditSettings {
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(redaction, "redaction");
        Objects.requireNonNull(sealInterval, "sealInterval");
        Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        Objects.requireNonNull(retentionInterval, "retentionInterval");
        Objects.requireNonNull(signingKeyFile, "signingKeyFile");
    }

    public AuditSettings withMaxWait(Duration replacement) {
        return new AuditSettings(replacement, recordDenied, queueCapacity, maxBatch, redaction, sealInterval,
                checkpointEvery, checkpointInterval, retentionDays, retentionInterval, signingKeyFile);
    }

    public AuditSettings withCheckpoints(int every, Duration interval) {
        return new AuditSettings(maxWait, recordDenied, queueCapacity, maxBatch, redaction, sealInterval,
                every, interval, retentionDays, retentionInterval, signingKeyFile);
    }
}
