package io.timestore.server.auditapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The full view copies stored members by span: same content as the stored JSON, in the contract's order. */
class StoredEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // As PostgreSQL prints jsonb: keys by length, ", " and ": " separators, and strings that hold
    // every character the span scanner must not mistake for structure.
    private static final String STORED = """
            {"actor": {"id": "al\\"ice}", "type": "user", "roles": ["reader", "a,b]"], "scopes": [], "groups": [], "auth_method": "jwt"}, \
            "details": {"n": -1.5e3, "ok": true, "none": null, "text": "{[\\\\\\"]}", "nested": {"deep": [1, {"x": "y"}]}}, \
            "outcome": {"result": "failed", "status": 404, "error": {"code": "not_found", "message": "no \\u00e9vent"}}, \
            "request": {"method": "GET", "path": "/a", "source_ip": "127.0.0.1", "user_agent": "k, v"}, \
            "event_id": "0195f6a0-0000-7000-8000-000000000001", "severity": "info", "trace_id": "abc", \
            "operation": {"action": "audit:list", "component": "audit", "resource_type": "audit_event", "resource_id": null, "dataset_id": null}, \
            "tenant_id": "acme", "request_id": "r-1", "occurred_at": "2026-01-01T00:00:00.000001Z"}""";

    @Test
    void the_full_view_has_every_stored_member_in_contract_order_with_the_seal_after_them() throws Exception {
        var row = new AuditEventStore.Row("acme", UUID.randomUUID(), Instant.EPOCH, STORED,
                Optional.of(new AuditEventStore.Seal(7, new byte[] {1, 2}, new byte[] {(byte) 0xab})));

        var text = new StoredEvents().fullText(row);
        var rendered = JSON.readTree(text);

        var stored = JSON.readTree(STORED);
        assertThat(rendered.properties().stream().map(java.util.Map.Entry::getKey).toList()).containsExactly(
                "event_id", "tenant_id", "occurred_at", "request_id", "trace_id", "actor", "operation", "outcome",
                "revision", "request", "details", "severity", "seq", "prev_hash", "hash");
        stored.properties().forEach(member -> assertThat(rendered.get(member.getKey())).as(member.getKey()).isEqualTo(member.getValue()));
        assertThat(rendered.get("revision").isNull()).as("absent members are null, as before").isTrue();
        assertThat(rendered.get("seq").asLong()).isEqualTo(7);
        assertThat(rendered.get("prev_hash").asText()).isEqualTo("0102");
        assertThat(rendered.get("hash").asText()).isEqualTo("ab");
    }

    @Test
    void text_that_is_not_a_json_object_is_refused() {
        var row = new AuditEventStore.Row("acme", UUID.randomUUID(), Instant.EPOCH, "[1, 2]", Optional.empty());

        assertThatThrownBy(() -> new StoredEvents().fullText(row)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a JSON object");
    }
}
