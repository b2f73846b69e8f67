package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.delivery.SealedEvent;
import io.timestore.audit.delivery.StoredEventReader;
import io.timestore.audit.delivery.format.EventEncoders;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Delivery reads every stored event with its own streaming reader: it must read exactly what
 * {@link AuditJson#read} reads, deliver the same bytes, and refuse what it refuses (a refusal parks
 * the partition).
 */
class StoredEventReaderTest {
    private final AuditJson json = new AuditJson();
    private final Seal seal = Events.sealed("acme", 1).getFirst().seal();

    @Provide
    Arbitrary<AuditEvent> events() {
        return ArbitraryEvents.events();
    }

    @Property(tries = 500)
    void any_stored_event_reads_as_audit_json_reads_it_and_encodes_to_the_same_bytes(@ForAll("events") AuditEvent event)
            throws Exception {
        // As jsonb prints it: other member order, spaces after ':' and ','.
        var stored = JsonbForm.of(json.toJson(event));

        var read = StoredEventReader.read(stored.getBytes(StandardCharsets.UTF_8), seal);

        var expected = json.read(stored).withSeal(seal);
        assertThat(read).isEqualTo(expected);
        var encoder = EventEncoders.create(EventEncoders.Format.TIMESTORE, false, null);
        assertThat(encoder.encode(SealedEvent.of(read))).isEqualTo(encoder.encode(SealedEvent.of(expected)));
    }

    private void assertRefusedLikeAuditJson(Consumer<ObjectNode> damage, String message) {
        var stored = json.toJson(Events.event("acme", 1));
        damage.accept(stored);
        var text = stored.toString();

        assertThatThrownBy(() -> json.read(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
        assertThatThrownBy(() -> StoredEventReader.read(text.getBytes(StandardCharsets.UTF_8), seal))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void an_unknown_member_is_refused_naming_it() {
        assertRefusedLikeAuditJson(e -> e.put("extra", 1), "event has unknown members [extra]");
        assertRefusedLikeAuditJson(e -> ((ObjectNode) e.get("actor")).put("admin", true), "event.actor has unknown members [admin]");
    }

    @Test
    void a_missing_member_is_refused_naming_it() {
        assertRefusedLikeAuditJson(e -> e.remove("trace_id"), "event.trace_id is missing");
        assertRefusedLikeAuditJson(e -> ((ObjectNode) e.get("request")).remove("path"), "event.request.path is missing");
    }

    @Test
    void a_wrongly_typed_member_is_refused_naming_it() {
        assertRefusedLikeAuditJson(e -> e.put("request_id", 7), "event.request_id must be a string");
        assertRefusedLikeAuditJson(e -> ((ObjectNode) e.get("outcome")).put("status", 204.5), "event.outcome.status must be an integer");
        assertRefusedLikeAuditJson(e -> ((ObjectNode) e.get("actor")).putArray("roles").add(1), "event.actor.roles must be an array of strings");
        assertRefusedLikeAuditJson(e -> e.put("operation", "write"), "event.operation must be a JSON object");
        assertRefusedLikeAuditJson(e -> e.putArray("details"), "details must be a JSON object");
    }

    @Test
    void a_partial_seal_a_bad_timestamp_or_an_upper_case_event_id_is_refused() {
        assertRefusedLikeAuditJson(e -> e.put("seq", 1), "come together or not at all");
        assertRefusedLikeAuditJson(e -> e.put("occurred_at", "2025-03-01T12:00:00.123Z"), "occurred_at must be RFC 3339");
        assertRefusedLikeAuditJson(e -> e.put("event_id", e.get("event_id").textValue().toUpperCase(java.util.Locale.ROOT)),
                "lower-case canonical UUID");
    }

    @Test
    void a_duplicated_member_at_any_depth_or_trailing_text_is_not_json() {
        var text = json.write(Events.event("acme", 1));
        for (var duplicated : java.util.List.of(text.replaceFirst("\\{", "{\"severity\":\"info\","),
                text.replace("\"actor\":{", "\"actor\":{\"id\":\"mallory\","),
                text.replace("\"details\":{", "\"details\":{\"series\":4,"))) {
            assertThat(duplicated).isNotEqualTo(text);
            assertThatThrownBy(() -> json.read(duplicated)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON");
            assertThatThrownBy(() -> StoredEventReader.read(duplicated.getBytes(StandardCharsets.UTF_8), seal))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON");
        }
        assertThatThrownBy(() -> StoredEventReader.read((text + " {}").getBytes(StandardCharsets.UTF_8), seal))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON");
    }
}
