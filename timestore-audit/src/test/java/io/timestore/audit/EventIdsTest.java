package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventIdsTest {
    @Test
    void a_retry_with_the_same_idempotency_key_gets_the_same_event_id() {
        assertThat(EventIds.forIdempotencyKey("acme", "user-1", "key-42"))
                .isEqualTo(EventIds.forIdempotencyKey("acme", "user-1", "key-42"));
    }

    @Test
    void the_key_is_scoped_to_tenant_and_principal() {
        UUID id = EventIds.forIdempotencyKey("acme", "user-1", "key-42");

        assertThat(EventIds.forIdempotencyKey("globex", "user-1", "key-42")).isNotEqualTo(id);
        assertThat(EventIds.forIdempotencyKey("acme", "user-2", "key-42")).isNotEqualTo(id);
        assertThat(EventIds.forIdempotencyKey("acme", "user-1", "key-43")).isNotEqualTo(id);
    }

    @Test
    void length_prefixes_keep_shifted_boundaries_apart() {
        assertThat(EventIds.forIdempotencyKey("acme", "user-1k", "ey"))
                .isNotEqualTo(EventIds.forIdempotencyKey("acme", "user-1", "key"));
    }

    @Test
    void ids_from_an_idempotency_key_and_from_a_request_id_never_share_a_namespace() {
        assertThat(EventIds.forRequest("acme", "r1")).isNotEqualTo(EventIds.forIdempotencyKey("acme", "r1", "r1"));
        assertThat(EventIds.forRequest("acme", "r1")).isEqualTo(EventIds.forRequest("acme", "r1"));
        assertThat(EventIds.forRequest("acme", "r1")).isNotEqualTo(EventIds.forRequest(AuditEvent.PLATFORM_PARTITION, "r1"));
    }

    @Test
    void ids_are_rfc_9562_version_8_uuids() {
        UUID id = EventIds.forRequest("acme", "r1");

        assertThat(id.version()).isEqualTo(8);
        assertThat(id.variant()).isEqualTo(2);
    }

    @Test
    void the_derivation_is_pinned_by_a_known_answer() {
        // Recompute by hand: SHA-256("ts-audit-event-id-v1" || len||"request" || len||"acme" || len||"r1").
        var sha = EventIds.sha256();
        sha.update("ts-audit-event-id-v1".getBytes());
        for (String part : new String[] {"request", "acme", "r1"}) {
            sha.update(java.nio.ByteBuffer.allocate(4).putInt(part.length()).array());
            sha.update(part.getBytes());
        }
        byte[] d = sha.digest();
        d[6] = (byte) ((d[6] & 0x0F) | 0x80);
        d[8] = (byte) ((d[8] & 0x3F) | 0x80);
        String hex = java.util.HexFormat.of().formatHex(d, 0, 16);
        String expected = hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20, 32);

        assertThat(EventIds.forRequest("acme", "r1")).hasToString(expected);
    }

    @Test
    void an_idempotency_key_outside_visible_ascii_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> EventIds.forIdempotencyKey("acme", "u", "has space"));
        assertThrows(IllegalArgumentException.class, () -> EventIds.forIdempotencyKey("acme", "u", "x".repeat(256)));
        assertThrows(IllegalArgumentException.class, () -> EventIds.forIdempotencyKey("acme", "u", ""));
    }
}
