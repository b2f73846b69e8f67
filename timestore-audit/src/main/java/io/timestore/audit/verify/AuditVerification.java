package io.timestore.audit.verify;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.AuditUnavailable;
import io.timestore.audit.ChainHash;
import io.timestore.audit.Seal;
import io.timestore.audit.canonical.Labels;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.checkpoint.CheckpointVerifier;
import io.timestore.audit.store.PlatformPath;
import io.timestore.audit.store.SealLookup;
import io.timestore.audit.verify.VerificationResult.Reason;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Verifies chains as stored: for each partition, streams its sealed events in seq order through
 * {@link ChainVerifier} with its periodic checkpoints, starting from genesis or — when the oldest
 * events were purged — from the purge anchor checkpoint that precedes the first retained seal.
 *
 * <p>Beyond what the chain itself proves, it also reports, at the seq where they are found:
 * a seal whose event row is missing or unreadable ({@link Reason#MALFORMED_EVENT}), an index
 * column that disagrees with the hashed JSON ({@link Reason#COLUMN_MISMATCH}), and — after the
 * chain verified — an event that is neither sealed nor queued ({@link Reason#UNQUEUED_EVENT},
 * reported at the seq after the last verified one, where it would have had to be). Once the chain
 * verified, the partition's Merkle tree and its signed checkpoints are checked against the same
 * events ({@link TreeVerification}).
 *
 * <p>Each partition is read in one read-only REPEATABLE READ transaction on the platform path, so
 * the events, seals, queue and checkpoints are one consistent snapshot even while the sequencer
 * runs; the events come through a server-side cursor ({@code fetchSize} rows at a time), so memory
 * does not grow with the chain. Thread-safe.
 *
 * <p>Just over 400 lines because the chain pass and its consistency checks (missing rows, column
 * mismatches, unqueued events) share one snapshot and one cursor loop; apart they would need
 * two reads of the same partition.
 */
public final class AuditVerification {
    private static final int FETCH_SIZE = 2000;
    private static final String EARLIEST = "SELECT min(seq) FROM audit_seals WHERE tenant_id = ?";
    private static final String CHAIN = """
            SELECT s.seq, s.prev_hash, s.hash, s.event_id, e.event_id, e.event::text, e.occurred_at, e.request_id,
                   e.actor_id, e.auth_method, e.action, e.component, e.resource_type, e.resource_id, e.dataset_id,
                   e.result, e.status, e.severity
            FROM audit_seals s
            LEFT JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.event_id = s.event_id
            WHERE s.tenant_id = ? ORDER BY s.seq
            """;
    private static final String UNQUEUED = """
            SELECT e.event_id, count(*) OVER () FROM audit_events e
            WHERE e.tenant_id = ?
              AND %s
              AND NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.tenant_id = e.tenant_id AND p.event_id = e.event_id)
            ORDER BY e.recorded_at, e.event_id LIMIT 1
            """.formatted(SealLookup.UNSEALED);
    // The first event sealed twice, by the seq of its second seal. Since audit schema version 9 the
    // seals' indexes refuse a second seal only under the same arrival number (or, without one, the
    // same event id): a sealed event queued again would be sealed again unnoticed but for this.
    private static final String DUPLICATE_SEALS = """
            SELECT event_id, min(seq), max(seq), count(*) OVER () FROM audit_seals WHERE tenant_id = ?
            GROUP BY event_id HAVING count(*) > 1 ORDER BY min(seq) LIMIT 1
            """;
    private static final String CHECKPOINTS = """
            SELECT seq, hash, signed_at, key_id, signature, kind FROM audit_checkpoints WHERE tenant_id = ? ORDER BY seq, signed_at
            """;
    // Loose index scans: one probe per partition, not one row per event.
    private static final String PARTITIONS = """
            WITH RECURSIVE events (tenant_id) AS (
                (SELECT tenant_id FROM audit_events ORDER BY tenant_id LIMIT 1)
                UNION ALL
                SELECT (SELECT e.tenant_id FROM audit_events e WHERE e.tenant_id > p.tenant_id ORDER BY e.tenant_id LIMIT 1)
                FROM events p WHERE p.tenant_id IS NOT NULL
            )
            SELECT tenant_id FROM events WHERE tenant_id IS NOT NULL
            UNION
            SELECT DISTINCT tenant_id FROM audit_checkpoints
            ORDER BY 1
            """;

    /** Which public keys a verification trusts. */
    public enum KeyTrust {
        /**
         * The configured keys and every key published in {@code audit_signing_keys}. Detects
         * tampering by anyone who cannot write that table; the server's default.
         */
        CONFIGURED_AND_STORED,
        /**
         * Only the configured keys: also detects a database owner who published a key of their
         * own and re-signed a rewritten chain. Use with keys kept outside the database.
         */
        CONFIGURED_ONLY
    }

    /**
     * The verification of several partitions.
     *
     * @param partitions one result per partition, ordered by partition id
     */
    public record Report(List<VerificationResult> partitions) {
        public Report {
            partitions = List.copyOf(partitions);
        }

        /** True when every partition verified. */
        public boolean ok() {
            return partitions.stream().allMatch(VerificationResult::ok);
        }

        /** Events hashed across all partitions. */
        public long eventsChecked() {
            return partitions.stream().mapToLong(VerificationResult::eventsChecked).sum();
        }
    }

    private final DataSource dataSource;
    private final AuditJson json;
    private final List<PublicKey> configuredKeys;
    private final KeyTrust trust;
    private final TreeVerification trees;

    /**
     * @param dataSource     connections as the runtime role (reads only)
     * @param configuredKeys public keys trusted whatever the database says
     */
    public AuditVerification(DataSource dataSource, AuditJson json, Collection<PublicKey> configuredKeys, KeyTrust trust) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.json = Objects.requireNonNull(json, "json");
        this.configuredKeys = List.copyOf(configuredKeys);
        this.trust = Objects.requireNonNull(trust, "trust");
        this.trees = new TreeVerification(json);
    }

    /** Verifies every partition that has events or checkpoints. */
    public Report verifyAll() {
        return new Report(partitions(dataSource).stream().map(this::verify).toList());
    }

    /**
     * The partitions the audit trail knows: those with events or checkpoints, ordered by id. A
     * tenant that never had an event has none; asking to verify, export or purge it is a mistake
     * to report, not an empty success.
     *
     * @param dataSource connections as the runtime role
     * @throws AuditUnavailable if the database cannot be read
     */
    public static List<String> partitions(DataSource dataSource) {
        List<String> partitions = new ArrayList<>();
        try (var connection = readOnly(dataSource)) {
            try (var statement = connection.prepareStatement(PARTITIONS);
                 var rows = statement.executeQuery()) {
                while (rows.next()) {
                    partitions.add(rows.getString(1));
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw unavailable("cannot list audit partitions", e);
        }
        return List.copyOf(partitions);
    }

    /** Verifies the given partitions (tenant ids or {@code _platform}), in the given order. */
    public Report verify(Collection<String> tenantIds) {
        return new Report(new TreeSet<>(tenantIds).stream().map(this::verify).toList());
    }

    /**
     * Verifies one partition.
     *
     * @throws AuditUnavailable if the database cannot be read
     */
    public VerificationResult verify(String tenantId) {
        AuditEvent.checkPartition(tenantId);
        try (var connection = readOnly()) {
            var result = verify(connection, tenantId);
            connection.commit();
            return result;
        } catch (SQLException e) {
            throw unavailable("cannot verify the audit chain of " + tenantId, e);
        }
    }

    private VerificationResult verify(Connection connection, String tenantId) throws SQLException {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        if (trust == KeyTrust.CONFIGURED_AND_STORED) {
            keys.putAll(CheckpointStore.publicKeys(connection));
        }
        configuredKeys.forEach(k -> keys.put(CheckpointKeys.keyId(k), k));
        var verifier = new ChainVerifier(new CheckpointVerifier(keys.values()));

        List<Checkpoint> periodic = new ArrayList<>();
        List<Checkpoint> anchors = new ArrayList<>();
        try (var statement = connection.prepareStatement(CHECKPOINTS)) {
            statement.setString(1, tenantId);
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    Checkpoint checkpoint;
                    try {
                        checkpoint = new Checkpoint(tenantId, rows.getLong(1), ChainHash.of(rows.getBytes(2)),
                                rows.getTimestamp(3).toInstant(), rows.getString(4), rows.getString(5));
                    } catch (IllegalArgumentException malformed) {
                        return failed(tenantId, 0, rows.getLong(1), Reason.CHECKPOINT_BAD_SIGNATURE,
                                "the checkpoint at seq %d is malformed: %s".formatted(rows.getLong(1), malformed.getMessage()), 0);
                    }
                    (CheckpointStore.Kind.PURGE_ANCHOR.label().equals(rows.getString(6)) ? anchors : periodic).add(checkpoint);
                }
            }
        }

        Long earliest;
        try (var statement = connection.prepareStatement(EARLIEST)) {
            statement.setString(1, tenantId);
            try (var rows = statement.executeQuery()) {
                rows.next();
                earliest = (Long) rows.getObject(1);
            }
        }
        // After a purge the first retained seal follows the latest purge anchor before it.
        Checkpoint anchor = null;
        if (earliest == null || earliest > 1) {
            for (Checkpoint candidate : anchors) {
                if (earliest == null || candidate.seq() < earliest) {
                    anchor = candidate;
                }
            }
        }

        VerificationResult result;
        try (var statement = connection.prepareStatement(CHAIN)) {
            statement.setFetchSize(FETCH_SIZE);
            statement.setString(1, tenantId);
            try (var rows = statement.executeQuery()) {
                var events = new Rows(rows, tenantId);
                result = anchor == null
                        ? verifier.verify(tenantId, events, periodic)
                        : verifier.verifyFrom(anchor, events, periodic);
                // A row that could not be handed out at all outranks what the verifier made of the
                // stream ending there; a column mismatch yields to a finding at its own seq.
                if (events.problemSeq > 0 && (result.ok() || result.firstBadSeq() > events.problemSeq
                        || (events.withheld && result.firstBadSeq() == events.problemSeq))) {
                    result = failed(tenantId, result.anchoredAtSeq(), events.problemSeq, events.problemReason, events.problemMessage,
                            result.eventsChecked(), Math.min(result.verifiedThroughSeq(), events.problemSeq - 1),
                            Math.min(result.signedThroughSeq(), events.problemSeq - 1));
                }
            }
        }
        if (!result.ok()) {
            return result;
        }
        try (var statement = connection.prepareStatement(UNQUEUED)) {
            statement.setString(1, tenantId);
            try (var rows = statement.executeQuery()) {
                if (rows.next()) {
                    long seq = result.verifiedThroughSeq() + 1;
                    return failed(tenantId, result.anchoredAtSeq(), seq, Reason.UNQUEUED_EVENT,
                            "%d event(s) are neither sealed nor queued for sealing, the first being %s: inserted outside the audit library"
                                    .formatted(rows.getLong(2), rows.getObject(1, UUID.class)),
                            result.eventsChecked(), result.verifiedThroughSeq(), result.signedThroughSeq());
                }
            }
        }
        try (var statement = connection.prepareStatement(DUPLICATE_SEALS)) {
            statement.setString(1, tenantId);
            try (var rows = statement.executeQuery()) {
                if (rows.next()) {
                    long seq = rows.getLong(3);
                    return failed(tenantId, result.anchoredAtSeq(), seq, Reason.DUPLICATE_SEAL,
                            "event %s is sealed at seq %d and again at seq %d (%d event(s) are sealed more than once)"
                                    .formatted(rows.getObject(1, UUID.class), rows.getLong(2), seq, rows.getLong(4)),
                            result.eventsChecked(), Math.min(result.verifiedThroughSeq(), seq - 1),
                            Math.min(result.signedThroughSeq(), seq - 1));
                }
            }
        }
        if (result.verifiedThroughSeq() > 0 && trees.unbuilt(connection, tenantId)) {
            return new VerificationResult(tenantId, true, result.anchoredAtSeq(), result.verifiedThroughSeq(), result.signedThroughSeq(),
                    null, null, result.message() + "; the Merkle tree is not built yet (the events were sealed before it existed): "
                            + "the sequencer builds it from them on its next round", result.eventsChecked());
        }
        var tree = trees.check(connection, tenantId, earliest == null ? 1 : earliest, result.verifiedThroughSeq(), keys.values());
        if (tree != null) {
            return failed(tenantId, result.anchoredAtSeq(), tree.seq(), tree.reason(), tree.message(), result.eventsChecked(),
                    Math.min(result.verifiedThroughSeq(), tree.seq() - 1), Math.min(result.signedThroughSeq(), tree.seq() - 1));
        }
        return result;
    }

    private static VerificationResult failed(String tenantId, long anchoredAt, long seq, Reason reason, String message, long checked) {
        return failed(tenantId, anchoredAt, seq, reason, message, checked, anchoredAt, anchoredAt);
    }

    private static VerificationResult failed(String tenantId, long anchoredAt, long seq, Reason reason, String message, long checked,
            long verifiedThrough, long signedThrough) {
        return new VerificationResult(tenantId, false, anchoredAt, verifiedThrough, signedThrough, seq, reason, message, checked);
    }

    private Connection readOnly() throws SQLException {
        return readOnly(dataSource);
    }

    private static Connection readOnly(DataSource dataSource) throws SQLException {
        Connection connection = dataSource.getConnection();
        try {
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            PlatformPath.enter(connection);
            return connection;
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    private static AuditUnavailable unavailable(String what, SQLException e) {
        return new AuditUnavailable(what + " (SQLState " + e.getSQLState() + ")", e);
    }

    /**
     * The sealed events of one partition from the cursor. Stops early at a row it cannot turn into
     * an event; a row whose columns disagree with its JSON is still handed out (so a changed event
     * is reported as a hash mismatch, the stronger finding) and the stream ends after it.
     */
    private final class Rows implements Iterator<AuditEvent> {
        private final ResultSet rows;
        private final String tenantId;
        private AuditEvent next;
        private boolean done;
        long problemSeq;
        boolean withheld;
        Reason problemReason;
        String problemMessage;

        Rows(ResultSet rows, String tenantId) {
            this.rows = rows;
            this.tenantId = tenantId;
        }

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            if (done || problemSeq > 0) {
                return false;
            }
            try {
                if (!rows.next()) {
                    done = true;
                    return false;
                }
                next = read();
                return next != null;
            } catch (SQLException e) {
                throw unavailable("reading the audit chain of " + tenantId + " failed", e);
            }
        }

        @Override
        public AuditEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            AuditEvent event = next;
            next = null;
            return event;
        }

        private AuditEvent read() throws SQLException {
            long seq = rows.getLong(1);
            String text = rows.getString(6);
            if (text == null) {
                return problem(seq, Reason.MALFORMED_EVENT, "the event %s sealed at seq %d is missing".formatted(rows.getObject(4), seq));
            }
            AuditEvent event;
            Seal seal;
            try {
                event = json.read(text);
                seal = new Seal(seq, ChainHash.of(rows.getBytes(2)), ChainHash.of(rows.getBytes(3)));
            } catch (IllegalArgumentException e) {
                return problem(seq, Reason.MALFORMED_EVENT, "the event sealed at seq %d is not a valid event document: %s".formatted(seq, e.getMessage()));
            }
            if (event.isSealed()) {
                return problem(seq, Reason.MALFORMED_EVENT, "the event sealed at seq %d carries seal members in its stored JSON".formatted(seq));
            }
            String column = disagreeingColumn(event);
            if (column != null) {
                problemSeq = seq;
                problemReason = Reason.COLUMN_MISMATCH;
                problemMessage = "the column %s of the event at seq %d (%s) disagrees with its JSON".formatted(column, seq, event.eventId());
            }
            return event.withSeal(seal);
        }

        private AuditEvent problem(long seq, Reason reason, String message) {
            withheld = true;
            problemSeq = seq;
            problemReason = reason;
            problemMessage = message;
            return null;
        }

        /** The first index column that is not the JSON's value, or null when all agree. */
        private String disagreeingColumn(AuditEvent e) throws SQLException {
            if (!e.eventId().equals(rows.getObject(4, UUID.class)) || !e.eventId().equals(rows.getObject(5, UUID.class))) {
                return "event_id";
            }
            if (!e.occurredAt().equals(rows.getTimestamp(7).toInstant())) {
                return "occurred_at";
            }
            String[] names = {"request_id", "actor_id", "auth_method", "action", "component", "resource_type", "resource_id", "dataset_id",
                    "result"};
            String[] values = {e.requestId(), e.actor().id(), e.actor().authMethod(), e.operation().action(), e.operation().component(),
                    e.operation().resourceType(), e.operation().resourceId(), e.operation().datasetId(), Labels.of(e.outcome().result())};
            for (int i = 0; i < names.length; i++) {
                if (!Objects.equals(values[i], rows.getString(8 + i))) {
                    return names[i];
                }
            }
            if (e.outcome().status() != rows.getInt(17)) {
                return "status";
            }
            if (!e.severity().label().equals(rows.getString(18))) {
                return "severity";
            }
            return null;
        }
    }
}
