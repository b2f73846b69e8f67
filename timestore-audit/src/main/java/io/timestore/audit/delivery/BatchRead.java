package io.timestore.audit.delivery;

import io.timestore.audit.ChainHash;
import io.timestore.audit.Seal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * How {@link DeliveryStore#read} reads one batch in its transaction (after
 * {@link DeliveryStore#ORDERED_SCANS}): the seals after the cursor, then their events by arrival
 * number, the rest by event id (docs/audit-delivery.md, "Reading a batch").
 */
public final class BatchRead {
    /**
     * The seals after the cursor by their primary key, with their events' arrival numbers; the events
     * are read next, by {@link #EVENTS_BY_ARRIVAL} (and {@link #EVENTS_BY_ID} for seals without an
     * arrival number, or not found by it). A join was once planned as a scan of every stored event,
     * minutes per batch on a large trail; as separate statements each reads only the batch's rows,
     * whatever plan PostgreSQL picks (a pooled connection's generic plan included).
     *
     * <p>The seq range is bounded above as well ({@code seq <= cursor + LIMIT}; seqs are dense, so
     * that is exactly the next batch when nothing was purged): with statistics that do not know the
     * partition yet (a tenant's first burst, a trail loaded faster than autovacuum analyses it),
     * PostgreSQL planned {@code seq > cursor ORDER BY seq LIMIT n} as a bitmap scan of every seal
     * after the cursor followed by a sort, so each batch read the whole rest of the partition
     * (82,000 seals for a 1,000-event batch in the DeliveryLoad benchmark). With both bounds no plan
     * touches more than {@code LIMIT} seals. When the range holds no seal (retention purged a run of
     * at least {@code LIMIT} events the sink had not received), the read is repeated without the
     * upper bound. Public so that a plan check and the benchmark's {@code steps} phase run this very
     * statement (parameters: partition, cursor, cursor + limit, limit).
     */
    public static final String SEALS = """
            SELECT s.seq, s.prev_hash, s.hash, s.event_id, s.arrival
            FROM audit_seals s
            WHERE s.tenant_id = ? AND s.seq > ? AND s.seq <= ? ORDER BY s.seq LIMIT ?
            """;
    /**
     * The events of a partition with the given arrival numbers (parameters: partition, bigint array
     * of the batch's numbers, limit): one scan of {@code audit_events_by_arrival} (audit schema
     * version 10) that finds the numbers in index order, reading consecutive entries and pages,
     * since a batch's numbers are (nearly) one run of the partition's. Through the primary key, one
     * descent per random event id, the events were about two thirds of the batch read
     * (DeliveryLoad's {@code steps} phase). The numbers themselves, not their range: an event whose
     * transaction committed late is sealed after events with higher numbers, and a range from its
     * number would read the events delivered since. The limit (twice the batch) only bounds rows
     * that copy a number. Public so that a plan check runs this very statement.
     */
    public static final String EVENTS_BY_ARRIVAL = """
            SELECT e.arrival, e.event_id, e.event::text
            FROM audit_events e
            WHERE e.tenant_id = ? AND e.arrival = ANY (?) ORDER BY e.arrival LIMIT ?
            """;
    /**
     * Events by id (parameters: partition, uuid array): those of seals without an arrival number
     * (stored before audit schema version 9, or by an older release during an upgrade) and any not
     * found by its number.
     */
    private static final String EVENTS_BY_ID = """
            SELECT e.event_id, e.event::text FROM audit_events e WHERE e.tenant_id = ? AND e.event_id = ANY (?)
            """;
    /** How many rows are read by arrival number per event of the batch, at most: the rest is looked up by id. */
    private static final int ARRIVAL_ROWS_PER_EVENT = 2;

    private BatchRead() {}

    static DeliveryStore.Batch read(Connection connection, String partition, long afterSeq, long upTo, int limit, boolean parse) throws SQLException {
        var seals = seals(connection, partition, afterSeq, upTo, limit);
        var stored = events(connection, partition, seals);
        var events = new ArrayList<SealedEvent>(seals.size());
        var gaps = new ArrayList<DeliveryStore.Gap>();
        long expected = afterSeq + 1;
        long through = afterSeq;
        for (var row : seals) {
            long seq = row.seal().seq();
            through = seq;
            var text = stored.get(row.eventId());
            if (text == null) {
                continue; // a seal without its event: part of a gap, closed below
            }
            if (seq != expected) {
                gaps.add(new DeliveryStore.Gap(expected - 1, seq));
            }
            expected = seq + 1;
            events.add(SealedEvent.read(partition, row.eventId(), row.seal(), text, parse));
        }
        if (through >= expected) {
            gaps.add(new DeliveryStore.Gap(expected - 1, through + 1));
        }
        return new DeliveryStore.Batch(events, through, gaps);
    }

    /** A seal of a batch, and its event's arrival number (0 when it has none: numbers start at 1). */
    private record SealRow(Seal seal, UUID eventId, long arrival) {}

    private static List<SealRow> seals(Connection connection, String partition, long afterSeq, long upTo, int limit) throws SQLException {
        var seals = new ArrayList<SealRow>(Math.min(limit, 1024));
        try (var statement = connection.prepareStatement(SEALS)) {
            statement.setString(1, partition);
            statement.setLong(2, afterSeq);
            statement.setLong(3, upTo);
            statement.setInt(4, limit);
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    var seal = new Seal(rows.getLong(1), ChainHash.of(rows.getBytes(2)), ChainHash.of(rows.getBytes(3)));
                    seals.add(new SealRow(seal, rows.getObject(4, UUID.class), rows.getLong(5)));
                }
            }
        }
        return seals;
    }

    /**
     * The stored text (its UTF-8 bytes as received: no String in between) of each sealed event that
     * is still stored, by event id: by the seals' arrival numbers first, the rest by id. An event is
     * taken by its number only where its id matches that number's seal too.
     */
    private static Map<UUID, byte[]> events(Connection connection, String partition, List<SealRow> seals) throws SQLException {
        var stored = new HashMap<UUID, byte[]>(seals.size() * 2);
        var byArrival = new HashMap<Long, UUID>(seals.size() * 2);
        for (var row : seals) {
            if (row.arrival() > 0) {
                byArrival.put(row.arrival(), row.eventId());
            }
        }
        if (!byArrival.isEmpty()) {
            try (var statement = connection.prepareStatement(EVENTS_BY_ARRIVAL)) {
                statement.setString(1, partition);
                statement.setArray(2, connection.createArrayOf("bigint", byArrival.keySet().toArray()));
                statement.setInt(3, ARRIVAL_ROWS_PER_EVENT * seals.size());
                try (var rows = statement.executeQuery()) {
                    while (rows.next()) {
                        var eventId = rows.getObject(2, UUID.class);
                        if (eventId.equals(byArrival.get(rows.getLong(1)))) {
                            stored.put(eventId, rows.getBytes(3));
                        }
                    }
                }
            }
        }
        var missing = seals.stream().map(SealRow::eventId).filter(id -> !stored.containsKey(id)).distinct().toArray(UUID[]::new);
        if (missing.length > 0) {
            try (var statement = connection.prepareStatement(EVENTS_BY_ID)) {
                statement.setString(1, partition);
                statement.setArray(2, connection.createArrayOf("uuid", missing));
                try (var rows = statement.executeQuery()) {
                    while (rows.next()) {
                        stored.put(rows.getObject(1, UUID.class), rows.getBytes(2));
                    }
                }
            }
        }
        return stored;
    }
}
