package io.timestore.audit.delivery;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.Seal;
import io.timestore.audit.canonical.Timestamps;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * One sealed event as delivery hands it to a sink: its partition, id, time and seal, and the event.
 *
 * <p>Read from the trail ({@link DeliveryStore#read}), it may keep the stored JSON's bytes instead
 * of the parsed event. Since audit schema version 8 the trail stores each event as the exact text
 * its writer sent, {@link AuditJson#write} of the unsealed event; the {@code timestore} format is
 * that text with the seal members after {@code severity}, so a sink in that format receives the
 * stored bytes with the seal appended and no event is parsed or encoded again
 * (docs/audit-delivery.md, "Parsing only where a format needs it"). Text in that form is recognised by its first members,
 * which must name this event: {@code {"event_id":"<the seal's event id>","tenant_id":"<the
 * partition>","occurred_at":"<RFC 3339>",}; anything else (events stored before version 8, whose
 * text is jsonb's, with members by length and spaces) is parsed at once, strictly, as every event
 * was before ({@link StoredEventReader}), and must name the event and partition of its row: an
 * unreadable event parks the cursor.
 *
 * <p>Not thread-safe: {@link #event} parses a stored event on first use (the loop reads a batch on
 * one thread and hands it to the sink's, the future between them orders the two).
 */
public final class SealedEvent {
    private static final byte[] EVENT_ID = "{\"event_id\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TENANT_ID = "\",\"tenant_id\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OCCURRED_AT = "\",\"occurred_at\":\"".getBytes(StandardCharsets.US_ASCII);
    /** Longer than any RFC 3339 time {@link Timestamps#format} writes; a bound on the scan for its end. */
    private static final int TIME_MAX = 40;

    private final String tenantId;
    private final UUID eventId;
    private final String occurredAt;
    private final Seal seal;
    /** The writer's text of the unsealed event, or null when the event was parsed when read. */
    private final byte[] stored;
    private AuditEvent event;

    private SealedEvent(String tenantId, UUID eventId, String occurredAt, Seal seal, byte[] stored, AuditEvent event) {
        this.tenantId = tenantId;
        this.eventId = eventId;
        this.occurredAt = occurredAt;
        this.seal = seal;
        this.stored = stored;
        this.event = event;
    }

    /**
     * A sealed event already parsed.
     *
     * @throws IllegalArgumentException if {@code event} is not sealed (only sealed events are delivered)
     */
    public static SealedEvent of(AuditEvent event) {
        if (!event.isSealed()) {
            throw new IllegalArgumentException("only sealed events are delivered (event %s has no seq)".formatted(event.eventId()));
        }
        return new SealedEvent(event.tenantId(), event.eventId(), Timestamps.format(event.occurredAt()), event.seal(), null, event);
    }

    /**
     * The stored event {@code text} (UTF-8) of {@code partition} with its {@code seal}: kept as bytes
     * when it is the writer's own text of this event and {@code parse} is off, parsed otherwise.
     *
     * @param eventId the seal's event id
     * @throws IllegalArgumentException if the event has to be parsed and cannot be (its member and why),
     *                                  or names another event or partition than its row
     */
    public static SealedEvent read(String partition, UUID eventId, Seal seal, byte[] text, boolean parse) {
        String time = parse ? null : writersTime(text, partition, eventId);
        if (time == null) {
            var event = StoredEventReader.read(text, seal);
            if (!event.tenantId().equals(partition) || !event.eventId().equals(eventId)) {
                // Its row and seal say otherwise: delivering it would put another tenant's or another
                // event's identity (the consumer's de-duplication key) into this partition's stream.
                throw new IllegalArgumentException("the stored event names tenant_id %s and event_id %s, its row %s and %s"
                        .formatted(event.tenantId(), event.eventId(), partition, eventId));
            }
            return of(event);
        }
        return new SealedEvent(partition, eventId, time, seal, text, null);
    }

    /**
     * The {@code occurred_at} of {@code text} if it is {@link AuditJson#write}'s text of the event
     * {@code eventId} of {@code partition} (its first three members, in that order and without spaces,
     * and a closing brace), or null.
     */
    private static String writersTime(byte[] text, String partition, UUID eventId) {
        int at = expect(text, 0, EVENT_ID);
        at = expect(text, at, eventId.toString().getBytes(StandardCharsets.US_ASCII));
        at = expect(text, at, TENANT_ID);
        at = expect(text, at, partition.getBytes(StandardCharsets.US_ASCII));
        at = expect(text, at, OCCURRED_AT);
        if (at < 0 || text[text.length - 1] != '}') {
            return null;
        }
        for (int end = at; end < text.length && end - at <= TIME_MAX; end++) {
            byte b = text[end];
            if (b == '"') {
                return end > at ? new String(text, at, end - at, StandardCharsets.US_ASCII) : null;
            }
            if (!(b >= '0' && b <= '9' || b == '-' || b == ':' || b == '.' || b == 'T' || b == 'Z' || b == '+')) {
                return null;
            }
        }
        return null;
    }

    /** The index after {@code expected} if {@code text} holds it at {@code at}, or -1. */
    private static int expect(byte[] text, int at, byte[] expected) {
        if (at < 0 || text.length - at < expected.length) {
            return -1;
        }
        return Arrays.equals(text, at, at + expected.length, expected, 0, expected.length) ? at + expected.length : -1;
    }

    /** The partition: the tenant id or {@link AuditEvent#PLATFORM_PARTITION}. */
    public String tenantId() {
        return tenantId;
    }

    /** The consumer's de-duplication key. */
    public UUID eventId() {
        return eventId;
    }

    /** The event's {@code occurred_at} as the event JSON writes it (RFC 3339, UTC). */
    public String occurredAt() {
        return occurredAt;
    }

    public Seal seal() {
        return seal;
    }

    /**
     * The event, parsed from the stored bytes on first use.
     *
     * @throws IllegalArgumentException if the stored bytes are not a valid event document
     */
    public AuditEvent event() {
        if (event == null) {
            event = StoredEventReader.read(stored, seal);
        }
        return event;
    }

    /**
     * The record of the {@code timestore} format, the bytes {@link AuditJson#writeTo} writes for the
     * sealed event, made from the stored bytes without parsing them; null when the event was parsed
     * (then the format writes it from {@link #event}).
     */
    public byte[] timestoreRecord() {
        if (stored == null) {
            return null;
        }
        var suffix = (",\"seq\":" + seal.seq() + ",\"prev_hash\":\"" + seal.prevHash().hex() + "\",\"hash\":\"" + seal.hash().hex() + "\"}")
                .getBytes(StandardCharsets.US_ASCII);
        var record = Arrays.copyOf(stored, stored.length - 1 + suffix.length);
        System.arraycopy(suffix, 0, record, stored.length - 1, suffix.length);
        return record;
    }

    @Override
    public String toString() {
        return "SealedEvent[" + tenantId + " seq " + seal.seq() + " " + eventId + "]";
    }
}
