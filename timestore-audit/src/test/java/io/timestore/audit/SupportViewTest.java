package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.audit.redaction.SupportView;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SupportViewTest {
    private final byte[] masterKey = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private final SupportView support = new SupportView(masterKey);

    @Test
    void support_sees_details_values_source_ip_and_user_agent_masked() {
        AuditEvent event = Events.event("acme", 1);

        AuditEvent view = support.view(event);

        assertThat(view.details().canonicalJson()).isEqualTo("{\"points\":\"****\",\"series\":\"****\",\"tags\":{\"host\":\"****\"}}");
        assertThat(view.request().sourceIp()).isEqualTo("****");
        assertThat(view.request().userAgent()).isEqualTo("****");
        assertThat(view.request().path()).isEqualTo(event.request().path());
        assertThat(view.operation()).isEqualTo(event.operation());
        assertThat(view.outcome()).isEqualTo(event.outcome());
    }

    @Test
    void actor_ids_become_pseudonyms_that_are_stable_within_a_tenant() {
        AuditEvent first = Events.event("acme", 1);
        AuditEvent second = Events.event("acme", 4); // the same actor: user-1

        String pseudonym = support.view(first).actor().id();

        assertThat(pseudonym).matches("anon-[0-9a-f]{32}").isNotEqualTo(first.actor().id());
        assertThat(support.view(second).actor().id()).isEqualTo(pseudonym);
        assertThat(new SupportView(masterKey.clone()).view(first).actor().id()).as("stable across restarts").isEqualTo(pseudonym);
    }

    @Test
    void the_same_actor_has_different_pseudonyms_in_different_tenants() {
        assertThat(support.pseudonym("acme", "user-1")).isNotEqualTo(support.pseudonym("globex", "user-1"));
        assertThat(support.pseudonym("acme", "user-1")).isNotEqualTo(support.pseudonym("acme", "user-2"));
    }

    @Test
    void a_different_master_key_gives_unrelated_pseudonyms() {
        byte[] other = Arrays.copyOf(masterKey, masterKey.length);
        other[0] ^= 1;

        assertThat(new SupportView(other).pseudonym("acme", "user-1")).isNotEqualTo(support.pseudonym("acme", "user-1"));
    }

    @Test
    void an_anonymous_actor_and_absent_request_fields_stay_absent() {
        AuditEvent event = Events.event("acme", 1);
        AuditEvent anonymous = new AuditEvent(event.eventId(), AuditEvent.PLATFORM_PARTITION, event.occurredAt(), event.requestId(),
                null, AuditEvent.Actor.anonymous(), event.operation(),
                new AuditEvent.Outcome(AuditEvent.Result.DENIED, 401, new AuditEvent.Problem("unauthenticated", null)), null,
                new AuditEvent.Request("GET", "/x", null, null), Details.empty(), Severity.SECURITY, null);

        AuditEvent view = support.view(anonymous);

        assertThat(view.actor().id()).isNull();
        assertThat(view.request().sourceIp()).isNull();
        assertThat(view.request().userAgent()).isNull();
    }

    @Test
    void a_short_master_key_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> new SupportView(new byte[16]));
    }
}
