package io.timestore.server.auditapi;

import io.timestore.audit.store.SealLookup;
import io.timestore.audit.tlog.PostgresNodeStore;
import io.timestore.audit.tlog.PostgresTreeCheckpoints;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * Finds the events of the log routes: by id or by seq, with their seal (if sealed) and their
 * stored JSON (if not purged), and the partition's tree sizes beside them. The statements run as
 * the first of the caller's transaction (tenant or platform path, {@link AuditPartitions#readFrom})
 * and name the partition, their first parameter.
 */
final class LogStore {
    static final String BY_ID = "SELECT e.event_id, s.seq, e.event::text AS event FROM audit_events e\n" + SealLookup.JOIN
            + "WHERE e.tenant_id = ? AND e.event_id = ?\n";
    private static final String BY_SEQ = """
            SELECT s.event_id, s.seq, e.event::text AS event FROM audit_seals s
            LEFT JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.event_id = s.event_id
            WHERE s.tenant_id = ? AND s.seq = ?
            """;
    /**
     * The partition's stored tree size and its latest signed checkpoint (the columns of
     * {@link PostgresTreeCheckpoints#LATEST}, null without one): always one row. Takes the partition three times. Read with the proof routes'
     * first statement, each size costs no round trip of its own.
     */
    static final String SIZES = "SELECT (" + PostgresNodeStore.LEAF_COUNT + ") AS stored, latest.*\n"
            + "FROM (SELECT 1) AS one LEFT JOIN LATERAL (" + PostgresTreeCheckpoints.LATEST + ") AS latest ON true";
    // One row whatever the event lookup finds: the sizes, and the event's columns or nulls. The
    // partition four times, then the event's id or seq.
    private static final String WITH_SIZES = "SELECT found.event_id, found.seq, found.event, sizes.*\nFROM (" + SIZES
            + ") AS sizes LEFT JOIN LATERAL (%s) AS found ON true";
    static final String BY_ID_WITH_SIZES = WITH_SIZES.formatted(BY_ID);
    static final String BY_SEQ_WITH_SIZES = WITH_SIZES.formatted(BY_SEQ);

    /**
     * An event of the log.
     *
     * @param eventId its id, null for a position whose seal retention purged (its leaf stays)
     * @param seq   its position, empty while it waits for the sequencer
     * @param event its stored JSON, empty when retention purged it (its seal and leaf may stay)
     */
    record Entry(UUID eventId, Optional<Long> seq, Optional<String> event) {}

    /**
     * A partition's tree sizes.
     *
     * @param stored the leaves stored (the largest tree a proof can be asked for)
     * @param latest its latest signed checkpoint, if any
     */
    record Sizes(long stored, Optional<PostgresTreeCheckpoints.Stored> latest) {}

    /** An event looked up with {@link #BY_ID_WITH_SIZES} or {@link #BY_SEQ_WITH_SIZES}, if found, and the sizes. */
    record Found(Optional<Entry> entry, Sizes sizes) {}

    private LogStore() {}

    /** The entry in the first of {@code rows} of {@link #BY_ID}, if any. */
    static Optional<Entry> first(ResultSet rows) throws SQLException {
        return rows.next() ? entry(rows) : Optional.empty();
    }

    /** The one row of {@link #BY_ID_WITH_SIZES} or {@link #BY_SEQ_WITH_SIZES}. */
    static Found found(ResultSet rows) throws SQLException {
        only(rows);
        return new Found(entry(rows), sizes(rows, 4));
    }

    /** The one row of {@link #SIZES}. */
    static Sizes sizes(ResultSet rows) throws SQLException {
        only(rows);
        return sizes(rows, 1);
    }

    private static void only(ResultSet rows) throws SQLException {
        if (!rows.next()) {
            throw new IllegalStateException("the sizes statement returned no row");
        }
    }

    private static Optional<Entry> entry(ResultSet rows) throws SQLException {
        var eventId = rows.getObject(1, UUID.class);
        if (eventId == null) { // every seal and every event row has its id: nothing was found
            return Optional.empty();
        }
        long seq = rows.getLong(2);
        var sealed = rows.wasNull() ? Optional.<Long>empty() : Optional.of(seq);
        return Optional.of(new Entry(eventId, sealed, Optional.ofNullable(rows.getString(3))));
    }

    private static Sizes sizes(ResultSet rows, int from) throws SQLException {
        long stored = rows.getLong(from);
        rows.getLong(from + 1);
        if (rows.wasNull()) { // no checkpoint signed yet
            return new Sizes(stored, Optional.empty());
        }
        return new Sizes(stored, Optional.of(PostgresTreeCheckpoints.columns(rows, from + 1)));
    }
}
