package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.audit.canonical.Timestamps;
import io.timestore.audit.delivery.SealedEvent;
import io.timestore.audit.delivery.format.EventEncoder;
import io.timestore.audit.delivery.format.EventEncoders;
import io.timestore.audit.delivery.format.EventEncoders.Format;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * Delivery sends an event stored in its writer's form without parsing it (the timestore format is
 * the stored text with the seal appended): every format must deliver exactly the bytes it delivers
 * for the parsed event, and text in any other form must be parsed as before.
 */
class SealedEventTest {
    private final AuditJson json = new AuditJson();

    @Provide
    Arbitrary<AuditEvent> events() {
        return ArbitraryEvents.events();
    }

    @Property(tries = 300)
    void an_event_read_in_its_writers_form_is_delivered_in_every_format_exactly_as_the_parsed_event(
            @ForAll("events") AuditEvent unsealed, @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long seq) {
        var sealed = unsealed.withSeal(new Seal(seq, ChainHash.of(hash(seq)), ChainHash.of(hash(~seq))));

        var read = SealedEvent.read(sealed.tenantId(), sealed.eventId(), sealed.seal(), stored(sealed), false);

        assertThat(read.timestoreRecord()).as("read without parsing").isEqualTo(json.write(sealed).getBytes(StandardCharsets.UTF_8));
        assertThat(read.occurredAt()).isEqualTo(Timestamps.format(sealed.occurredAt()));
        var parsed = SealedEvent.of(sealed);
        for (var encoder : encoders()) {
            assertThat(encoder.encode(read)).as(encoder.label()).isEqualTo(encoder.encode(parsed));
            assertThat(encoder.encodeLines(List.of(read, parsed, read))).as(encoder.label())
                    .isEqualTo(encoder.encodeLines(List.of(parsed, parsed, parsed)));
            assertThat(encoder.encodeArray(List.of(read, parsed))).as(encoder.label()).isEqualTo(encoder.encodeArray(List.of(parsed, parsed)));
        }
        assertThat(read.event()).isEqualTo(sealed);
    }

    @Test
    void text_in_jsonbs_form_is_parsed_when_read_and_delivered_as_the_same_event() throws Exception {
        var sealed = Events.sealed("acme", 2).get(1);
        // As jsonb prints it (events stored before audit schema version 8): members by length, spaces.
        var jsonbText = JsonbForm.of(json.toJson(sealed.withSeal(null))).getBytes(StandardCharsets.UTF_8);

        var read = SealedEvent.read("acme", sealed.eventId(), sealed.seal(), jsonbText, false);

        assertThat(read.timestoreRecord()).as("parsed at once, so no stored record is kept").isNull();
        assertThat(read.event()).isEqualTo(sealed);
        var timestore = EventEncoders.create(Format.TIMESTORE, false, null);
        assertThat(json.read(new String(timestore.encode(read), StandardCharsets.UTF_8))).isEqualTo(sealed);
    }

    @Test
    void the_writers_form_counts_only_when_it_names_this_event_of_this_partition_and_is_whole() {
        var sealed = Events.sealed("acme", 1).getFirst();
        var text = stored(sealed);
        var other = UUID.fromString("00000000-0000-4000-8000-000000000001");

        assertThat(SealedEvent.read("acme", sealed.eventId(), sealed.seal(), text, true).timestoreRecord()).as("parse asked for").isNull();
        // Parsed, then refused (the loop parks): its row and seal name another event or partition.
        assertThatThrownBy(() -> SealedEvent.read("acme", other, sealed.seal(), text, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names tenant_id acme and event_id " + sealed.eventId());
        assertThatThrownBy(() -> SealedEvent.read("globex", sealed.eventId(), sealed.seal(), text, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its row globex");
        assertThatThrownBy(() -> SealedEvent.read("globex", sealed.eventId(), sealed.seal(), text, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its row globex");
        var cut = java.util.Arrays.copyOf(text, text.length - 1);
        assertThatThrownBy(() -> SealedEvent.read("acme", sealed.eventId(), sealed.seal(), cut, false))
                .as("a text cut short is parsed, and refused").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void only_sealed_events_are_delivered() {
        assertThatThrownBy(() -> SealedEvent.of(Events.event("acme", 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only sealed events");
    }

    /** What the event store writes for {@code sealed}: its JSON without the seal members. */
    private byte[] stored(AuditEvent sealed) {
        return json.write(sealed.withSeal(null)).getBytes(StandardCharsets.UTF_8);
    }

    private static List<EventEncoder> encoders() {
        var encoders = new ArrayList<EventEncoder>();
        for (var format : Format.values()) {
            encoders.add(EventEncoders.create(format, false, null));
            encoders.add(EventEncoders.create(format, true, "urn:x"));
        }
        return encoders;
    }

    private static byte[] hash(long seed) {
        var bytes = new byte[ChainHash.LENGTH];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (seed >>> (i % 8 * 8));
        }
        return bytes;
    }
}
