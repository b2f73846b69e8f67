package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditJsonTest {
    private final AuditJson json = new AuditJson();

    @Test
    void an_unsealed_event_has_every_contract_member_but_no_seal_members() {
        ObjectNode written = json.toJson(Events.event("acme", 1));

        assertThat(written.propertyStream().map(java.util.Map.Entry::getKey)).containsExactly(
                "event_id", "tenant_id", "occurred_at", "request_id", "trace_id", "actor", "operation", "outcome",
                "revision", "request", "details", "severity");
        assertThat(written.get("revision").isNull()).isTrue();
    }

    @Test
    void enums_are_written_in_lower_case() {
        ObjectNode written = json.toJson(Events.event("acme", 1));

        assertThat(written.at("/actor/type").asText()).isEqualTo("user");
        assertThat(written.at("/outcome/result").asText()).isEqualTo("succeeded");
        assertThat(written.at("/severity").asText()).isEqualTo("info");
    }

    @Test
    void a_sealed_event_round_trips_with_its_seal() {
        AuditEvent sealed = Events.sealed("acme", 3).getLast();

        AuditEvent back = json.read(json.write(sealed));

        assertThat(back).isEqualTo(sealed);
        assertThat(json.toJson(back).get("seq").asLong()).isEqualTo(3);
    }

    @Test
    void occurred_at_is_written_with_exactly_six_fractional_digits_in_utc() {
        AuditEvent event = Events.event("acme", 1);
        AuditEvent whole = new AuditEvent(event.eventId(), event.tenantId(), Instant.parse("2025-03-01T12:00:00Z"),
                event.requestId(), null, event.actor(), event.operation(), event.outcome(), null, event.request(),
                event.details(), event.severity(), null);

        assertThat(json.toJson(whole).get("occurred_at").asText()).isEqualTo("2025-03-01T12:00:00.000000Z");
    }

    @Test
    void nanoseconds_are_truncated_to_microseconds_so_the_hash_survives_storage() {
        AuditEvent event = Events.event("acme", 1);
        AuditEvent precise = new AuditEvent(event.eventId(), event.tenantId(), Instant.parse("2025-03-01T12:00:00.123456789Z"),
                event.requestId(), null, event.actor(), event.operation(), event.outcome(), null, event.request(),
                event.details(), event.severity(), null);

        assertThat(precise.occurredAt()).isEqualTo(Instant.parse("2025-03-01T12:00:00.123456Z"));
    }

    @Test
    void reading_refuses_an_unknown_member_naming_it() {
        ObjectNode written = json.toJson(Events.event("acme", 1));
        written.put("extra", 1);

        var error = assertThrows(IllegalArgumentException.class, () -> json.fromJson(written));

        assertThat(error).hasMessageContaining("extra");
    }

    @Test
    void reading_refuses_a_missing_member_naming_it() {
        ObjectNode written = json.toJson(Events.event("acme", 1));
        written.remove("trace_id");

        var error = assertThrows(IllegalArgumentException.class, () -> json.fromJson(written));

        assertThat(error).hasMessageContaining("trace_id is missing");
    }

    @Test
    void reading_refuses_a_timestamp_in_another_form() {
        ObjectNode written = json.toJson(Events.event("acme", 1));
        written.put("occurred_at", "2025-03-01T12:00:00.123Z");

        assertThrows(IllegalArgumentException.class, () -> json.fromJson(written));
    }

    @Test
    void reading_refuses_a_partial_seal() {
        ObjectNode written = json.toJson(Events.sealed("acme", 1).getFirst());
        written.remove("hash");

        assertThrows(IllegalArgumentException.class, () -> json.fromJson(written));
    }

    @Test
    void an_event_without_a_tenant_belongs_to_the_platform_partition() {
        AuditEvent event = Events.event(AuditEvent.PLATFORM_PARTITION, 1);

        assertThat(event.tenant()).isEmpty();
        assertThat(json.toJson(event).get("tenant_id").asText()).isEqualTo("_platform");
    }

    @Test
    void a_tenant_id_starting_with_an_underscore_is_refused_so_it_cannot_pose_as_the_platform() {
        assertThrows(IllegalArgumentException.class, () -> Events.event("_acme", 1));
    }

    @Test
    void int64_values_beyond_double_precision_are_kept_exactly_as_strings() {
        var details = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                .put("max", 9_007_199_254_740_993L).put("ok", 9_007_199_254_740_992L);

        assertThat(Details.of(details).canonicalJson()).isEqualTo("{\"max\":\"9007199254740993\",\"ok\":9007199254740992}");
    }

    @Test
    void an_outcome_whose_result_contradicts_its_status_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> new AuditEvent.Outcome(AuditEvent.Result.SUCCEEDED, 500, null));
        assertThrows(IllegalArgumentException.class, () -> new AuditEvent.Outcome(AuditEvent.Result.DENIED, 200, null));
    }

    @Test
    void the_default_severity_follows_the_outcome() {
        assertThat(Severity.of(AuditEvent.Outcome.succeeded(200))).isEqualTo(Severity.INFO);
        assertThat(Severity.of(new AuditEvent.Outcome(AuditEvent.Result.FAILED, 422, null))).isEqualTo(Severity.WARN);
        assertThat(Severity.of(new AuditEvent.Outcome(AuditEvent.Result.FAILED, 503, null))).isEqualTo(Severity.ERROR);
        assertThat(Severity.of(new AuditEvent.Outcome(AuditEvent.Result.DENIED, 403, null))).isEqualTo(Severity.SECURITY);
    }
}
