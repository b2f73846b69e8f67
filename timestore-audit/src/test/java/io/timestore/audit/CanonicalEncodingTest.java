package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.canonical.Jcs;
import io.timestore.audit.chain.Chain;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

class CanonicalEncodingTest {
    private final AuditJson json = new AuditJson();

    @Property(tries = 500)
    void direct_encoding_equals_rfc8785_of_the_stored_json_without_the_seal(@ForAll("events") AuditEvent event) {
        ObjectNode stored = json.toJson(event.withSeal(new Seal(7, ChainHash.GENESIS, ChainHash.GENESIS)));
        stored.remove(List.of("seq", "prev_hash", "hash"));

        assertThat(CanonicalEncoding.encode(event)).isEqualTo(outsideToolBytes(stored));
    }

    @Property(tries = 300)
    void canonical_bytes_survive_a_json_round_trip(@ForAll("events") AuditEvent event) {
        AuditEvent back = json.read(json.write(event));

        assertThat(back).isEqualTo(event);
        assertThat(CanonicalEncoding.encode(back)).isEqualTo(CanonicalEncoding.encode(event));
    }

    @Property(tries = 300)
    void member_order_in_details_does_not_change_the_bytes(@ForAll("events") AuditEvent event, @ForAll long seed) {
        ObjectNode shuffled = shuffle(event.details().toJson(), new java.util.Random(seed));

        AuditEvent reordered = event.withDetails(Details.of(shuffled));

        assertThat(CanonicalEncoding.encode(reordered)).isEqualTo(CanonicalEncoding.encode(event));
    }

    @Property(tries = 500)
    void any_change_to_any_member_changes_the_hash(@ForAll("events") AuditEvent event, @ForAll("changes") Tuple.Tuple2<String, UnaryOperator<AuditEvent>> change) {
        AuditEvent changed = change.get2().apply(event);

        assertThat(hash(changed)).as("after changing %s", change.get1()).isNotEqualTo(hash(event));
    }

    @Test
    void the_encoding_starts_with_the_version_prefix_and_a_line_feed() {
        byte[] bytes = CanonicalEncoding.encode(Events.event("acme", 1));

        assertThat(new String(bytes, StandardCharsets.UTF_8)).startsWith("ts-audit-v1\n{\"actor\":{");
    }

    @Test
    void a_reused_encoder_gives_the_same_bytes_as_a_fresh_one() {
        var encoding = new CanonicalEncoding();
        for (AuditEvent event : Events.events("acme", 20)) {
            encoding.write(event);
            assertThat(java.util.Arrays.copyOf(encoding.buffer(), encoding.length())).isEqualTo(CanonicalEncoding.encode(event));
        }
    }

    @Provide
    Arbitrary<AuditEvent> events() {
        return ArbitraryEvents.events();
    }

    @Provide
    Arbitrary<Tuple.Tuple2<String, UnaryOperator<AuditEvent>>> changes() {
        return Arbitraries.of(List.of(
                change("event_id", e -> copy(e, Map.of("eventId", new java.util.UUID(e.eventId().getMostSignificantBits() ^ 1, e.eventId().getLeastSignificantBits())))),
                change("tenant_id", e -> copy(e, Map.of("tenantId", e.tenantId().equals("zz") ? "yy" : "zz"))),
                change("occurred_at", e -> copy(e, Map.of("occurredAt", e.occurredAt().minusNanos(1000)))),
                change("request_id", e -> copy(e, Map.of("requestId", e.requestId() + "x"))),
                change("trace_id", e -> copy(e, Map.of("traceId", e.traceId() == null ? "t" : e.traceId() + "x"))),
                change("actor.id", e -> copy(e, Map.of("actor", new Actor(e.actor().id() == null ? "someone" : e.actor().id() + "x",
                        e.actor().type() == AuditEvent.ActorType.ANONYMOUS ? AuditEvent.ActorType.USER : e.actor().type(),
                        e.actor().roles(), e.actor().scopes(), e.actor().groups(), e.actor().authMethod())))),
                change("actor.roles", e -> copy(e, Map.of("actor", new Actor(e.actor().id(), e.actor().type(),
                        plus(e.actor().roles(), "\uFFFFextra-role"), e.actor().scopes(), e.actor().groups(), e.actor().authMethod())))),
                change("actor.auth_method", e -> copy(e, Map.of("actor", new Actor(e.actor().id(), e.actor().type(),
                        e.actor().roles(), e.actor().scopes(), e.actor().groups(), e.actor().authMethod().equals("jwt") ? "legacy" : "jwt")))),
                change("operation.resource_id", e -> copy(e, Map.of("operation", new Operation(e.operation().action(), e.operation().component(),
                        e.operation().resourceType(), e.operation().resourceId() == null ? "r" : null, e.operation().datasetId())))),
                change("outcome.status", e -> copy(e, Map.of("outcome", e.outcome().status() == 200 ? Outcome.succeeded(201) : Outcome.succeeded(200)))),
                change("request.source_ip", e -> copy(e, Map.of("request", new Request(e.request().method(), e.request().path(),
                        e.request().sourceIp() == null ? "10.1.1.1" : null, e.request().userAgent())))),
                change("revision", e -> copy(e, Map.of("revision", e.revision() == null ? new AuditEvent.Revision(null, "1") : new AuditEvent.Revision("x", "y")))),
                change("details", e -> {
                    ObjectNode d = e.details().toJson();
                    d.put("\uFFFF-added", 1);
                    return e.withDetails(Details.of(d));
                }),
                change("severity", e -> copy(e, Map.of("severity", e.severity() == Severity.INFO ? Severity.SECURITY : Severity.INFO)))));
    }

    private static Tuple.Tuple2<String, UnaryOperator<AuditEvent>> change(String name, UnaryOperator<AuditEvent> f) {
        return Tuple.of(name, f) ;
    }

    private static List<String> plus(List<String> list, String value) {
        var copy = new ArrayList<>(list);
        copy.add(value);
        return copy;
    }

    /** A copy of the event with some components replaced (by record component name). */
    private static AuditEvent copy(AuditEvent e, Map<String, Object> replace) {
        var components = AuditEvent.class.getRecordComponents();
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            try {
                values[i] = replace.containsKey(components[i].getName()) ? replace.get(components[i].getName())
                        : components[i].getAccessor().invoke(e);
            } catch (ReflectiveOperationException ex) {
                throw new AssertionError(ex);
            }
        }
        try {
            return (AuditEvent) AuditEvent.class.getDeclaredConstructors()[0].newInstance(values);
        } catch (ReflectiveOperationException ex) {
            throw new AssertionError(ex);
        }
    }

    private static ChainHash hash(AuditEvent event) {
        return ChainHash.of(new Chain().hash(ChainHash.GENESIS, event));
    }

    /** What an auditor's tool does: version line, then RFC 8785 of the JSON without the seal. */
    static byte[] outsideToolBytes(JsonNode eventWithoutSeal) {
        var out = new ByteArrayOutputStream();
        out.writeBytes("ts-audit-v1\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(Jcs.canonicalize(eventWithoutSeal));
        return out.toByteArray();
    }

    private static ObjectNode shuffle(ObjectNode node, java.util.Random random) {
        List<Map.Entry<String, JsonNode>> members = new ArrayList<>();
        node.properties().forEach(members::add);
        Collections.shuffle(members, random);
        ObjectNode copy = node.objectNode();
        members.forEach(m -> copy.set(m.getKey(), m.getValue().isObject() ? shuffle((ObjectNode) m.getValue(), random) : m.getValue()));
        return copy;
    }
}
