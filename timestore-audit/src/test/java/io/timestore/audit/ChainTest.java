package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.audit.chain.Chain;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainTest {
    private final Chain chain = new Chain();

    @Test
    void the_first_batch_starts_at_seq_1_with_the_genesis_prev_hash_and_links_every_event() {
        var batch = chain.seal(ChainHead.genesis("acme"), Events.events("acme", 5));

        assertThat(batch.events()).extracting(e -> e.seal().seq()).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(batch.events().getFirst().seal().prevHash()).isEqualTo(ChainHash.GENESIS);
        for (int i = 1; i < 5; i++) {
            assertThat(batch.events().get(i).seal().prevHash()).isEqualTo(batch.events().get(i - 1).seal().hash());
        }
        assertThat(batch.head()).isEqualTo(new ChainHead("acme", 5, batch.events().getLast().seal().hash()));
    }

    @Test
    void hash_is_sha256_of_prev_hash_followed_by_the_canonical_bytes() throws Exception {
        AuditEvent sealed = chain.seal(ChainHead.genesis("acme"), List.of(Events.event("acme", 1))).events().getFirst();

        var sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(new byte[32]);
        sha256.update(CanonicalEncoding.encode(sealed));
        assertThat(sealed.seal().hash()).isEqualTo(ChainHash.of(sha256.digest()));
    }

    @Test
    void sealing_canonical_bytes_gives_the_seals_of_the_events_they_were_encoded_from() {
        var events = Events.events("acme", 7);
        var head = chain.seal(ChainHead.genesis("acme"), events.subList(0, 2)).head();

        var fromEvents = chain.seal(head, events.subList(2, 7));
        var fromBytes = chain.sealCanonical(head, events.subList(2, 7).stream().map(CanonicalEncoding::encode).toList());

        assertThat(fromBytes.seals()).isEqualTo(fromEvents.events().stream().map(AuditEvent::seal).toList());
        assertThat(fromBytes.head()).isEqualTo(fromEvents.head());
    }

    @Test
    void a_later_batch_continues_from_the_head_as_if_sealed_in_one_go() {
        var events = Events.events("acme", 6);
        var first = chain.seal(ChainHead.genesis("acme"), events.subList(0, 2));
        var second = chain.seal(first.head(), events.subList(2, 6));

        var all = chain.seal(ChainHead.genesis("acme"), events);
        assertThat(second.events()).isEqualTo(all.events().subList(2, 6));
        assertThat(second.head()).isEqualTo(all.head());
    }

    @Test
    void occurred_at_may_go_backwards_because_order_is_insertion_order() {
        var late = Events.event("acme", 9);
        var early = Events.event("acme", 1);

        var batch = chain.seal(ChainHead.genesis("acme"), List.of(late, early));

        assertThat(batch.events()).extracting(e -> e.seal().seq()).containsExactly(1L, 2L);
    }

    @Test
    void sealing_refuses_an_event_of_another_tenant() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> chain.seal(ChainHead.genesis("acme"), List.of(Events.event("globex", 1))));

        assertThat(error).hasMessageContaining("belongs to globex");
    }

    @Test
    void sealing_refuses_an_already_sealed_event() {
        var sealed = Events.sealed("acme", 1);

        assertThrows(IllegalArgumentException.class, () -> chain.seal(ChainHead.genesis("acme"), sealed));
    }
}
