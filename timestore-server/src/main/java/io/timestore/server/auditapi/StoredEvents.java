package io.timestore.server.auditapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.ChainHash;
import io.timestore.audit.Seal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Renders stored events for clients. The full view is the stored JSON itself, put back in the
 * contract's member order with the seal added: no re-validation per event, which is what makes a
 * page of 100 or an export of millions cheap. A view that changes the event (support) goes
 * through {@link AuditJson} and the event record.
 */
final class StoredEvents {
    private static final List<String> ORDER = List.of("event_id", "tenant_id", "occurred_at", "request_id", "trace_id",
            "actor", "operation", "outcome", "revision", "request", "details", "severity");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    private final AuditJson json = new AuditJson();

    /** The full view as JSON text: the stored members copied in the contract's order, then the seal. */
    String fullText(AuditEventStore.Row row) {
        var stored = row.eventJson();
        var members = StoredJsonMembers.of(stored);
        var out = new StringBuilder(stored.length() + 200).append('{');
        for (int i = 0; i < ORDER.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            if (!members.appendMember(out, ORDER.get(i))) {
                out.append('"').append(ORDER.get(i)).append("\":null");
            }
        }
        row.seal().ifPresent(seal -> out.append(",\"seq\":").append(seal.seq())
                .append(",\"prev_hash\":\"").append(HEX.formatHex(seal.prevHash()))
                .append("\",\"hash\":\"").append(HEX.formatHex(seal.hash())).append('"'));
        return out.append('}').toString();
    }

    /** The full view as a tree, for callers that add to it or read fields from it. */
    ObjectNode full(AuditEventStore.Row row) {
        try {
            return (ObjectNode) MAPPER.readTree(fullText(row));
        } catch (IOException e) {
            throw new UncheckedIOException("a stored audit event is not JSON", e);
        }
    }

    ObjectNode viewed(AuditEventStore.Row row, UnaryOperator<AuditEvent> view) {
        var event = json.read(row.eventJson());
        if (row.seal().isPresent()) {
            var seal = row.seal().get();
            event = event.withSeal(new Seal(seal.seq(), ChainHash.of(seal.prevHash()), ChainHash.of(seal.hash())));
        }
        return json.toJson(view.apply(event));
    }
}
