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

    ObjectNode full(AuditEventStore.Row row) {
        ObjectNode stored;
        try {
            stored = (ObjectNode) MAPPER.readTree(row.eventJson());
        } catch (IOException e) {
            throw new UncheckedIOException("a stored audit event is not JSON", e);
        }
        var out = MAPPER.createObjectNode();
        for (var member : ORDER) {
            out.set(member, stored.get(member));
        }
        row.seal().ifPresent(seal -> out.put("seq", seal.seq())
                .put("prev_hash", HEX.formatHex(seal.prevHash()))
                .put("hash", HEX.formatHex(seal.hash())));
        return out;
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
