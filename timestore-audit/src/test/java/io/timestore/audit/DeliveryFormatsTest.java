package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.ActorType;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Problem;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.AuditEvent.Result;
import io.timestore.audit.chain.Chain;
import io.timestore.audit.delivery.SealedEvent;
import io.timestore.audit.delivery.format.EventEncoder;
import io.timestore.audit.delivery.format.EventEncoders;
import io.timestore.audit.delivery.format.EventEncoders.Format;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The delivery formats (docs/audit-delivery.md, "Formats"): the golden examples there are these
 * tests' expectations, compared as JSON trees (member by member, order aside).
 */
class DeliveryFormatsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final AuditJson json = new AuditJson();

    /** A denied dataset write by a user, sealed as the second event of acme's chain. */
    static AuditEvent deniedWrite() {
        var first = Events.event("acme", 0);
        var denied = new AuditEvent(EventIds.forRequest("acme", "req-denied"), "acme", Events.T0, "req-denied",
                "4bf92f3577b34da6a3ce929d0e0e4736",
                new Actor("alice", ActorType.USER, List.of("reader"), List.of(), List.of("ops"), "jwt"),
                new Operation("dataset:write", "points", "dataset", "cpu", "cpu"),
                new Outcome(Result.DENIED, 403, new Problem("missing_role", "dataset:write needs role writer")),
                null, new Request("POST", "/storage/v1/datasets/cpu/points", "203.0.113.7", "curl/8.5.0"),
                Details.empty(), Severity.SECURITY, null);
        return new Chain().seal(ChainHead.genesis("acme"), List.of(first, denied)).events().get(1);
    }

    @Test
    void timestore_format_is_the_stored_event_json_and_re_verifies_against_the_chain() {
        var sealed = Events.sealed("acme", 3);
        var encoder = EventEncoders.create(Format.TIMESTORE, false, null);

        var delivered = sealed.stream().map(e -> json.read(new String(encoder.encode(SealedEvent.of(e)), StandardCharsets.UTF_8))).toList();

        assertThat(delivered).isEqualTo(sealed);
        assertThat(new String(encoder.encode(SealedEvent.of(sealed.get(1))), StandardCharsets.UTF_8)).isEqualTo(json.write(sealed.get(1)));
        var chain = new Chain();
        for (var event : delivered) {
            assertThat(event.seal().hash().matches(chain.hash(event.seal().prevHash(), event))).isTrue();
        }
        assertThat(encoder.label()).isEqualTo("timestore");
        assertThat(encoder.contentType()).isEqualTo("application/json");
    }

    @Test
    void ocsf_format_maps_a_denied_write_to_api_activity_create_with_high_severity() throws Exception {
        var event = deniedWrite();
        var encoded = tree(EventEncoders.create(Format.OCSF, false, null), event);

        assertThat(encoded).isEqualTo(MAPPER.readTree(OCSF_EXAMPLE.formatted(event.eventId(), event.seal().prevHash().hex(),
                event.seal().hash().hex())));
    }

    @Test
    void ocsf_activity_follows_the_http_method_and_severity_the_event_severity() {
        var encoder = EventEncoders.create(Format.OCSF, false, null);
        var sealed = Events.sealed("acme", 1).getFirst();
        var read = sealed.withSeal(null);
        read = new AuditEvent(read.eventId(), "acme", read.occurredAt(), read.requestId(), null, read.actor(), read.operation(),
                Outcome.succeeded(200), null, new Request("GET", "/x", null, null), Details.empty(), Severity.INFO, sealed.seal());

        var ocsf = tree(encoder, read);

        assertThat(ocsf.get("activity_id").asInt()).isEqualTo(2);
        assertThat(ocsf.get("type_uid").asInt()).isEqualTo(600302);
        assertThat(ocsf.get("type_name").asText()).isEqualTo("API Activity: Read");
        assertThat(ocsf.get("severity_id").asInt()).isEqualTo(1);
        assertThat(ocsf.get("status_id").asInt()).isEqualTo(1);
        assertThat(ocsf.get("src_endpoint").isEmpty()).isTrue();
        assertThat(ocsf.at("/metadata/correlation_uid").isMissingNode()).isTrue();
    }

    @Test
    void cloudevents_envelope_carries_id_subject_type_and_the_record_unchanged_as_data() throws Exception {
        var event = deniedWrite();
        var plain = EventEncoders.create(Format.TIMESTORE, false, null);
        var wrapped = EventEncoders.create(Format.TIMESTORE, true, "https://timestore.example.com/audit");

        var envelope = tree(wrapped, event);

        assertThat(envelope.get("specversion").asText()).isEqualTo("1.0");
        assertThat(envelope.get("type").asText()).isEqualTo("dev.timestore.audit.v1");
        assertThat(envelope.get("source").asText()).isEqualTo("https://timestore.example.com/audit");
        assertThat(envelope.get("id").asText()).isEqualTo(event.eventId().toString());
        assertThat(envelope.get("subject").asText()).isEqualTo("acme");
        assertThat(envelope.get("time").asText()).isEqualTo("2025-03-01T12:00:00.123456Z");
        assertThat(envelope.get("datacontenttype").asText()).isEqualTo("application/json");
        assertThat(envelope.get("tenantid").asText()).isEqualTo("acme");
        assertThat(envelope.get("seq").asLong()).isEqualTo(2);
        assertThat(envelope.has("dataschema")).isFalse();
        assertThat(envelope.get("data")).isEqualTo(tree(plain, event));
        assertThat(json.fromJson(envelope.get("data"))).isEqualTo(event);
        assertThat(wrapped.label()).isEqualTo("timestore+cloudevents");
        assertThat(wrapped.contentType()).isEqualTo("application/cloudevents+json");
        assertThat(wrapped.arrayContentType()).isEqualTo("application/cloudevents-batch+json");
    }

    @Test
    void ocsf_in_cloudevents_names_the_ocsf_class_schema() throws Exception {
        var event = deniedWrite();

        var envelope = tree(EventEncoders.create(Format.OCSF, true, EventEncoders.DEFAULT_SOURCE), event);

        assertThat(envelope.get("dataschema").asText()).isEqualTo("https://schema.ocsf.io/1.3.0/classes/api_activity");
        assertThat(envelope.get("source").asText()).isEqualTo("urn:timestore:audit");
        assertThat(envelope.at("/data/class_uid").asInt()).isEqualTo(6003);
        assertThat(envelope.get("data")).isEqualTo(tree(EventEncoders.create(Format.OCSF, false, null), event));
    }

    @Test
    void an_array_is_the_records_in_order_and_encoding_is_deterministic() throws Exception {
        var sealed = Events.sealed("acme", 3);
        var encoder = EventEncoders.create(Format.OCSF, true, "urn:x");

        var array = MAPPER.readTree(encoder.encodeArray(sealed.stream().map(SealedEvent::of).toList()));

        assertThat(array).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(array.get(i)).isEqualTo(tree(encoder, sealed.get(i)));
            assertThat(array.get(i).get("seq").asLong()).isEqualTo(i + 1);
        }
        assertThat(encoder.encode(SealedEvent.of(sealed.get(2)))).isEqualTo(encoder.encode(SealedEvent.of(sealed.get(2))));
    }

    /** The file sink writes a batch with one generator; its lines must be exactly the records one by one. */
    @Test
    void a_batch_as_lines_is_each_record_byte_for_byte_followed_by_a_newline_in_every_format() {
        var events = new java.util.ArrayList<>(Events.sealed("acme", 5));
        events.add(deniedWrite());
        for (var format : Format.values()) {
            for (boolean cloudEvents : new boolean[] {false, true}) {
                var encoder = EventEncoders.create(format, cloudEvents, "urn:x");
                var expected = new java.io.ByteArrayOutputStream();
                for (var event : events) {
                    expected.writeBytes(encoder.encode(SealedEvent.of(event)));
                    expected.write('\n');
                }
                assertThat(encoder.encodeLines(events.stream().map(SealedEvent::of).toList())).as(encoder.label()).isEqualTo(expected.toByteArray());
            }
        }
    }

    /**
     * The encoders stream their records instead of building trees (the delivery path); the bytes
     * must stay those of {@link AuditJson#write}, which the audit API serves and the stored JSON
     * is, so consumers can re-verify chains: nulls, a revision, an error, escapes, non-ASCII,
     * lone surrogates cleaned, and numbers of every kind in details.
     */
    @Test
    void the_streamed_timestore_record_is_byte_for_byte_the_written_event_and_cloudevents_data_is_the_record() throws Exception {
        var details = MAPPER.createObjectNode().put("int", 7).put("long", 9_007_199_254_740_993L).put("double", 12.25)
                .put("tiny", 1e-7).put("big", 1e300).put("text", "quote \" back\\slash \n tab\t é \u2028 \ud800 \u0001")
                .put("flag", true).putNull("none");
        details.putArray("list").add(1).add("two").addObject().put("three", 3.0);
        details.putObject("nested").putObject("deeper").put("x", -0.5);
        var odd = new AuditEvent(EventIds.forRequest("acme", "req-odd"), "acme", Events.T0, "req-\"odd\"", null,
                new Actor(null, ActorType.ANONYMOUS, List.of(), List.of(), List.of(), "none"),
                new Operation("dataset:write", "points", null, null, null),
                new Outcome(Result.FAILED, 500, new Problem("internal", null)),
                new AuditEvent.Revision(null, "b"), new Request("GET", "/ünïcode/path", null, null),
                Details.of(details), Severity.ERROR, null);
        var events = new java.util.ArrayList<>(Events.sealed("acme", 6));
        events.add(deniedWrite());
        events.add(new Chain().seal(ChainHead.genesis("acme"), List.of(odd)).events().getFirst());
        var timestore = EventEncoders.create(Format.TIMESTORE, false, null);
        for (var event : events) {
            var written = json.write(event).getBytes(StandardCharsets.UTF_8);
            assertThat(timestore.encode(SealedEvent.of(event))).isEqualTo(written);
            for (var format : Format.values()) {
                var inner = EventEncoders.create(format, false, null).encode(SealedEvent.of(event));
                var envelope = new String(EventEncoders.create(format, true, "urn:x").encode(SealedEvent.of(event)), StandardCharsets.UTF_8);
                assertThat(envelope).endsWith(",\"data\":" + new String(inner, StandardCharsets.UTF_8) + "}");
            }
        }
    }

    @Test
    void unsealed_events_and_bad_settings_are_refused() {
        assertThatThrownBy(() -> SealedEvent.of(Events.event("acme", 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only sealed events");
        assertThatThrownBy(() -> Format.fromLabel("cef")).hasMessage("must be timestore or ocsf (found \"cef\")");
        assertThatThrownBy(() -> EventEncoders.create(Format.OCSF, true, " ")).hasMessage("must be a non-empty URI reference");
        assertThatThrownBy(() -> EventEncoders.create(Format.OCSF, true, "a b")).hasMessageStartingWith("must be a URI reference");
    }

    private static JsonNode tree(EventEncoder encoder, AuditEvent event) {
        try {
            return MAPPER.readTree(encoder.encode(SealedEvent.of(event)));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** docs/audit-delivery.md, "OCSF example" (event id, prev_hash and hash filled in). */
    static final String OCSF_EXAMPLE = """
            {
              "category_uid": 6,
              "category_name": "Application Activity",
              "class_uid": 6003,
              "class_name": "API Activity",
              "activity_id": 1,
              "activity_name": "Create",
              "type_uid": 600301,
              "type_name": "API Activity: Create",
              "time": 1740830400123,
              "severity_id": 4,
              "severity": "High",
              "status_id": 2,
              "status": "Failure",
              "status_code": "missing_role",
              "status_detail": "dataset:write needs role writer",
              "metadata": {
                "version": "1.3.0",
                "product": {"name": "Timestore", "vendor_name": "Timestore"},
                "uid": "%s",
                "tenant_uid": "acme",
                "sequence": 2,
                "log_name": "audit",
                "event_code": "dataset:write",
                "original_time": "2025-03-01T12:00:00.123456Z",
                "correlation_uid": "4bf92f3577b34da6a3ce929d0e0e4736"
              },
              "actor": {
                "user": {"uid": "alice", "type_id": 1, "type": "User", "groups": [{"name": "ops"}]},
                "app_name": "timestore"
              },
              "api": {
                "operation": "dataset:write",
                "service": {"name": "points"},
                "request": {"uid": "req-denied"},
                "response": {"code": 403, "error": "missing_role", "error_message": "dataset:write needs role writer"}
              },
              "src_endpoint": {"ip": "203.0.113.7"},
              "http_request": {
                "http_method": "POST",
                "url": {"path": "/storage/v1/datasets/cpu/points"},
                "user_agent": "curl/8.5.0",
                "uid": "req-denied"
              },
              "http_response": {"code": 403},
              "resources": [{"type": "dataset", "uid": "cpu"}],
              "unmapped": {
                "seq": 2,
                "prev_hash": "%s",
                "hash": "%s",
                "severity": "security",
                "result": "denied",
                "actor_type": "user",
                "auth_method": "jwt",
                "roles": ["reader"],
                "scopes": [],
                "details": {}
              }
            }
            """;
}
