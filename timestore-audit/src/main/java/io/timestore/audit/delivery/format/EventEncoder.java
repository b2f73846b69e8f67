package io.timestore.audit.delivery.format;

import io.timestore.audit.delivery.SealedEvent;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * Turns one sealed event into the bytes a sink sends: one JSON object per event, without a trailing
 * newline (a file sink appends {@code \n} for NDJSON, a webhook sends {@link #encodeArray} as a JSON
 * array). Every record carries the event's {@code event_id} (the consumer's de-duplication key), its
 * {@code tenant_id} and its {@code seq}, whatever the format; {@code docs/audit-delivery.md} says where.
 *
 * <p>Implementations are stateless and thread-safe; the same event always encodes to the same bytes,
 * so a redelivered event is byte-for-byte the one delivered before. Create them with
 * {@link EventEncoders#create}.
 */
public interface EventEncoder {
    /**
     * The format's label, as configured and as sent in the Kafka {@code format} header:
     * {@code timestore}, {@code ocsf}, or either followed by {@code +cloudevents}.
     */
    String label();

    /** The media type of one encoded record, e.g. {@code application/json}. */
    String contentType();

    /** The media type of {@link #encodeArray}'s output (a JSON array of records). */
    String arrayContentType();

    /**
     * Whether the format reads the event's members ({@link SealedEvent#event}), as OCSF does to map
     * them. The {@code timestore} format (in an envelope or not) does not: it sends the stored record
     * ({@link SealedEvent#timestoreRecord}), so the loop does not parse the events it reads for it.
     */
    boolean readsMembers();

    /** One event as one JSON object (UTF-8, no trailing newline). */
    byte[] encode(SealedEvent event);

    /**
     * The events as NDJSON: each {@link #encode} record followed by {@code \n}, in the given order.
     * A record never holds a raw line break (JSON escapes control characters inside strings), so each
     * is exactly one line.
     */
    default byte[] encodeLines(List<SealedEvent> events) {
        var out = new ByteArrayOutputStream(events.size() * 1024);
        for (var event : events) {
            out.writeBytes(encode(event));
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** The events as one JSON array of {@link #encode} records, in the given order. */
    default byte[] encodeArray(List<SealedEvent> events) {
        var out = new ByteArrayOutputStream(events.size() * 1024 + 2);
        out.write('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(encode(events.get(i)));
        }
        out.write(']');
        return out.toByteArray();
    }
}
