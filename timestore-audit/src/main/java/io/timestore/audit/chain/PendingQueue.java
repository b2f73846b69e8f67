package io.timestore.audit.chain;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.CanonicalEncoding;
import io.timestore.audit.store.PostgresEventStore;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * Takes a partition's next batch off {@code audit_pending}, in arrival order, with the canonical
 * bytes its writer queued ({@link PostgresEventStore}, audit schema version 3). Rows queued by an
 * older writer carry no bytes; their events are read, checked against their row and encoded here.
 *
 * <p>A queued entry whose bytes are not in canonical form or do not name its event id and tenant,
 * or an older entry whose event cannot be parsed, throws {@link IllegalStateException}: the
 * partition stops rather than skipping the entry (skipping would seal a history without it, and
 * sealing it would break the chain for good).
 *
 * <p>Stateless apart from its settings; used from the sequencer's thread.
 */
final class PendingQueue {
    /** Batches smaller than this are parsed on the sequencer's own thread: forking costs more. */
    private static final int PARALLEL_PARSE_FROM = 256;
    // Takes the batch off the queue in one statement: the pending rows are deleted here (found by
    // ctid, so each is visited once rather than probed again through the primary key) and RETURNING
    // hands back exactly the rows removed, with the canonical bytes their writer queued. A
    // rolled-back step puts them back.
    static final String TAKE = """
            DELETE FROM audit_pending
            WHERE tenant_id = ? AND ctid = ANY (ARRAY (
                SELECT ctid FROM audit_pending WHERE tenant_id = ? ORDER BY arrival LIMIT ?))
            RETURNING arrival, event_id, canonical, arrival_stored
            """;
    // Rows queued before audit schema version 3 carry no bytes: their events are read and encoded.
    static final String EVENTS_WITHOUT_BYTES = """
            SELECT event_id, event::text FROM audit_events WHERE tenant_id = ? AND event_id = ANY (?)
            """;
    private static final byte[] CANONICAL_PREFIX = (CanonicalEncoding.VERSION + "\n").getBytes(StandardCharsets.US_ASCII);

    private final AuditJson json;
    private final int batchSize;

    PendingQueue(AuditJson json, int batchSize) {
        this.json = Objects.requireNonNull(json, "json");
        this.batchSize = batchSize;
    }

    /**
     * A batch taken off the queue: event ids, their canonical bytes and the arrival numbers stored
     * with their events (null for an event stored without one: before audit schema version 9, or by
     * an older writer), in arrival order.
     */
    record Taken(List<UUID> eventIds, List<byte[]> canonical, List<Long> storedArrivals) {
        int size() {
            return eventIds.size();
        }
    }

    private record Queued(long arrival, UUID eventId, byte[] canonical, boolean arrivalStored) {}

    /**
     * Deletes and returns up to a batch of {@code tenant}'s oldest queued events, in the caller's
     * transaction ({@code take} prepared from {@link #TAKE}, {@code eventsWithoutBytes} from
     * {@link #EVENTS_WITHOUT_BYTES}); a rollback puts them back.
     */
    Taken take(PreparedStatement take, PreparedStatement eventsWithoutBytes, String tenant) throws SQLException {
        take.setString(1, tenant);
        take.setString(2, tenant);
        take.setInt(3, batchSize);
        var queued = new ArrayList<Queued>();
        try (var rows = take.executeQuery()) {
            while (rows.next()) {
                queued.add(new Queued(rows.getLong(1), rows.getObject(2, UUID.class), rows.getBytes(3), rows.getBoolean(4)));
            }
        }
        // Sorted here rather than in the statement: sorting the rows with their bytes made
        // PostgreSQL spill a 10,000-event batch to disk.
        queued.sort(Comparator.comparingLong(Queued::arrival));
        var ids = new ArrayList<UUID>(queued.size());
        var canonical = new ArrayList<byte[]>(queued.size());
        var storedArrivals = new ArrayList<Long>(queued.size());
        List<UUID> withoutBytes = new ArrayList<>();
        String tenantMember = member("tenant_id", tenant);
        for (Queued entry : queued) {
            byte[] bytes = entry.canonical();
            if (bytes == null) {
                withoutBytes.add(entry.eventId());
            } else {
                checkQueued(entry, bytes, tenant, tenantMember);
            }
            ids.add(entry.eventId());
            canonical.add(bytes);
            storedArrivals.add(entry.arrivalStored() ? entry.arrival() : null);
        }
        if (!withoutBytes.isEmpty()) {
            Map<UUID, byte[]> encoded = encodeStored(eventsWithoutBytes, tenant, withoutBytes);
            // A row queued before version 3 whose event is gone (only an owner editing the tables can
            // do that) leaves the queue unsealed, as it always did; rows with bytes are refused
            // instead (checkQueued).
            for (int i = ids.size() - 1; i >= 0; i--) {
                if (canonical.get(i) == null) {
                    byte[] bytes = encoded.get(ids.get(i));
                    if (bytes == null) {
                        ids.remove(i);
                        canonical.remove(i);
                        storedArrivals.remove(i);
                    } else {
                        canonical.set(i, bytes);
                    }
                }
            }
        }
        return new Taken(ids, canonical, storedArrivals);
    }

    /**
     * Refuses a queued entry whose bytes cannot be its event's: no canonical prefix, or no member
     * naming its id and tenant. Only a writer other than {@link PostgresEventStore}, or a bug, makes
     * such an entry, and a seal cannot be taken back, so the partition stops and says why.
     *
     * <p>Whether the event itself is stored is not probed here (10,000 index lookups per batch):
     * a queue entry whose event is missing is sealed, and the verifier reports that seq as a
     * malformed event, as it reports an event deleted after sealing.
     */
    private static void checkQueued(Queued entry, byte[] bytes, String tenant, String tenantMember) {
        String problem = null;
        if (!Arrays.equals(bytes, 0, Math.min(bytes.length, CANONICAL_PREFIX.length), CANONICAL_PREFIX, 0, CANONICAL_PREFIX.length)) {
            problem = "is queued without the canonical form " + CanonicalEncoding.VERSION;
        } else {
            // One byte per char, so an ASCII member matches exactly where its bytes are; indexOf on
            // such a string is the JDK's vectorised search.
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            if (!text.contains(member("event_id", entry.eventId().toString())) || !text.contains(tenantMember)) {
                problem = "is queued with the canonical bytes of another event";
            }
        }
        if (problem != null) {
            throw new IllegalStateException("event %s of %s %s".formatted(entry.eventId(), tenant, problem));
        }
    }

    /** {@code "name":"value"} as the canonical form writes a member whose value needs no escaping. */
    private static String member(String name, String value) {
        return "\"" + name + "\":\"" + value + "\"";
    }

    /** Reads, checks and encodes the stored events of queue rows that carry no canonical bytes. */
    private Map<UUID, byte[]> encodeStored(PreparedStatement eventsWithoutBytes, String tenant, List<UUID> eventIds) throws SQLException {
        eventsWithoutBytes.setString(1, tenant);
        eventsWithoutBytes.setArray(2, eventsWithoutBytes.getConnection().createArrayOf("uuid", eventIds.toArray()));
        var ids = new ArrayList<UUID>();
        var texts = new ArrayList<String>();
        try (var rows = eventsWithoutBytes.executeQuery()) {
            while (rows.next()) {
                ids.add(rows.getObject(1, UUID.class));
                texts.add(rows.getString(2));
            }
        }
        // Parsing is the costly part and the documents are independent: a large batch is parsed
        // on every core. Any failure is kept with its event (a date the fast path cannot check
        // fails in Instant.parse with a DateTimeParseException, for one), so the earliest is reported.
        int n = texts.size();
        var parsed = new AuditEvent[n];
        var invalid = new RuntimeException[n];
        var indexes = IntStream.range(0, n);
        (n >= PARALLEL_PARSE_FROM ? indexes.parallel() : indexes).forEach(i -> {
            try {
                parsed[i] = json.read(texts.get(i));
            } catch (RuntimeException e) {
                invalid[i] = e;
            }
        });
        Map<UUID, byte[]> encoded = new HashMap<>();
        for (int i = 0; i < n; i++) {
            UUID eventId = ids.get(i);
            if (invalid[i] != null) {
                throw new IllegalStateException("event %s of %s is not a valid event document: %s"
                        .formatted(eventId, tenant, invalid[i].getMessage()), invalid[i]);
            }
            AuditEvent event = parsed[i];
            if (!event.eventId().equals(eventId) || !event.tenantId().equals(tenant) || event.isSealed()) {
                throw new IllegalStateException("event %s of %s does not match its row (id, tenant or seal)".formatted(eventId, tenant));
            }
            encoded.put(eventId, CanonicalEncoding.encode(event));
        }
        return encoded;
    }
}
