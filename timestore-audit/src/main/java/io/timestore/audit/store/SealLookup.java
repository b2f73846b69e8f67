package io.timestore.audit.store;

/**
 * How a statement finds the seal of a stored event (audit schema version 9): through the arrival
 * number the event was stored with, which {@code audit_seals} indexes at its right edge, or, for an
 * event sealed without one (stored before version 9, or by an older release), through its event id
 * in the partial index that holds only such seals. Both ways also compare the event id, so a seal
 * is only ever the one of its own event. Statements that read an event's seal use these fragments
 * rather than joining by event id, which no index of {@code audit_seals} covers any more.
 */
public final class SealLookup {
    /**
     * A join clause giving the seal's {@code seq}, {@code prev_hash} and {@code hash} (all null
     * while unsealed) as {@code s}, for the event aliased {@code e} in the statement.
     */
    public static final String JOIN = """
            LEFT JOIN LATERAL (
                (SELECT s.seq, s.prev_hash, s.hash FROM audit_seals s
                 WHERE s.tenant_id = e.tenant_id AND s.arrival = e.arrival AND s.event_id = e.event_id)
                UNION ALL
                (SELECT s.seq, s.prev_hash, s.hash FROM audit_seals s
                 WHERE s.tenant_id = e.tenant_id AND s.event_id = e.event_id AND s.arrival IS NULL)
                LIMIT 1
            ) s ON true
            """;

    /**
     * A condition that holds when the event aliased {@code e} has no seal, for statements over many
     * events (the verifier's search for events never sealed): one anti-join by event id, which the
     * planner can run as a hash or merge join over the partition's seals rather than a probe per event.
     */
    public static final String UNSEALED = """
            NOT EXISTS (SELECT 1 FROM audit_seals s
                        WHERE s.tenant_id = e.tenant_id AND s.event_id = e.event_id AND (s.arrival = e.arrival OR s.arrival IS NULL))""";

    private SealLookup() {}
}
