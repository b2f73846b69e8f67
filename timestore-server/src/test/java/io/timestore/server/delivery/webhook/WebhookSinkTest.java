package io.timestore.server.delivery.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.delivery.DeliveryFailed;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.delivery.SealedEvents;
import io.timestore.server.testing.WebhookReceiver;
import java.net.InetAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The webhook sink against a real HTTP receiver in the test JVM that verifies the Standard Webhooks
 * signature (docs/audit-delivery.md, "Webhook sink"). Loopback is allowed explicitly
 * ({@code allow-http}, {@code allow-private-addresses}), as an operator would have to.
 */
class WebhookSinkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String secret = WebhookReceiver.newSecret();
    private final WebhookReceiver receiver = WebhookReceiver.start(secret);
    private final List<WebhookSink> sinks = new ArrayList<>();

    @AfterEach
    void stop() {
        sinks.forEach(WebhookSink::close);
        receiver.close();
    }

    private Map<String, Object> entry(String url) {
        var entry = new HashMap<String, Object>();
        entry.put("name", "siem");
        entry.put("type", "webhook");
        entry.put("url", url);
        entry.put("secret", secret);
        entry.put("allow-http", true);
        entry.put("allow-private-addresses", true);
        entry.put("read-timeout", "3s");
        return entry;
    }

    private WebhookSink sink(Map<String, Object> entry) {
        var sink = WebhookSink.fromEntry(entry, "audit.delivery.sinks[1]", InstantSource.system());
        sinks.add(sink);
        return sink;
    }

    private WebhookSink sink() {
        return sink(entry(receiver.url("127.0.0.1").toString()));
    }

    @Test
    void a_batch_arrives_as_one_signed_json_array_that_the_receiver_verifies() throws Exception {
        var batch = SealedEvents.of("acme", 3);

        sink().deliver("acme", batch);

        assertThat(receiver.received()).hasSize(1);
        var request = receiver.received().getFirst();
        assertThat(request.signatureValid()).isTrue();
        assertThat(request.header("webhook-id")).isEqualTo("acme.1-3");
        assertThat(request.header("webhook-signature")).startsWith("v1,");
        assertThat(Long.parseLong(request.header("webhook-timestamp"))).isPositive();
        assertThat(request.header("content-type")).startsWith("application/json");
        assertThat(request.header("timestore-partition")).isEqualTo("acme");
        assertThat(request.header("timestore-first-seq")).isEqualTo("1");
        assertThat(request.header("timestore-last-seq")).isEqualTo("3");
        var records = JSON.readTree(request.body());
        assertThat(records).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(records.get(i).get("event_id").asText()).isEqualTo(batch.get(i).eventId().toString());
            assertThat(records.get(i).get("tenant_id").asText()).isEqualTo("acme");
            assertThat(records.get(i).get("seq").asLong()).isEqualTo(i + 1);
        }
    }

    @Test
    void a_signature_made_with_another_secret_does_not_verify_at_the_receiver() {
        var entry = entry(receiver.url("127.0.0.1").toString());
        entry.put("secret", WebhookReceiver.newSecret());

        sink(entry).deliver("acme", SealedEvents.of("acme", 1));

        assertThat(receiver.received().getFirst().signatureValid()).isFalse();
    }

    @Test
    void ocsf_in_cloudevents_is_sent_as_a_cloudevents_batch() throws Exception {
        var entry = entry(receiver.url("127.0.0.1").toString());
        entry.put("format", "ocsf");
        entry.put("cloudevents", true);

        sink(entry).deliver("acme", SealedEvents.of("acme", 2));

        var request = receiver.received().getFirst();
        assertThat(request.signatureValid()).isTrue();
        assertThat(request.header("content-type")).startsWith("application/cloudevents-batch+json");
        var records = JSON.readTree(request.body());
        assertThat(records.get(1).get("type").asText()).isEqualTo("dev.timestore.audit.v1");
        assertThat(records.get(1).at("/data/class_uid").asInt()).isEqualTo(6003);
    }

    @Test
    void a_receiver_that_is_down_fails_retryably_and_the_same_batch_goes_through_once_it_is_back() {
        var sink = sink();
        var batch = SealedEvents.of("acme", 2);
        receiver.stop();

        var failure = catchFailure(() -> sink.deliver("acme", batch));
        receiver.restart();
        sink.deliver("acme", batch);

        assertThat(failure.retryable()).isTrue();
        assertThat(failure.getMessage()).contains("could not reach 127.0.0.1");
        assertThat(receiver.received()).hasSize(1);
        assertThat(receiver.received().getFirst().header("webhook-id")).isEqualTo("acme.1-2");
    }

    @Test
    void a_receiver_answering_500_forever_fails_every_attempt_retryably() {
        var sink = sink();
        receiver.answer(500);

        for (int attempt = 0; attempt < 3; attempt++) {
            var failure = catchFailure(() -> sink.deliver("acme", SealedEvents.of("acme", 1)));
            assertThat(failure.retryable()).isTrue();
            assertThat(failure.getMessage()).isEqualTo("webhook sink siem: 127.0.0.1 answered 500");
        }
        assertThat(receiver.received()).hasSize(3);
    }

    @Test
    void throttling_and_timeouts_are_retryable_other_client_errors_and_redirects_are_not() {
        var sink = sink();
        var retryable = new HashMap<Integer, Boolean>();
        for (int status : List.of(408, 429, 503, 400, 401, 404, 410, 301)) {
            receiver.answer(status);
            var failure = catchFailure(() -> sink.deliver("acme", SealedEvents.of("acme", 1)));
            retryable.put(status, failure.retryable());
        }

        assertThat(retryable).containsExactlyInAnyOrderEntriesOf(Map.of(408, true, 429, true, 503, true, 400, false,
                401, false, 404, false, 410, false, 301, false));
    }

    @Test
    void a_receiver_that_does_not_answer_within_the_read_timeout_fails_retryably() {
        var sink = sink();
        receiver.hang();

        var failure = catchFailure(() -> sink.deliver("acme", SealedEvents.of("acme", 1)));
        receiver.release();

        assertThat(failure.retryable()).isTrue();
    }

    @Test
    void loopback_is_refused_unless_private_addresses_are_allowed() {
        var literal = entry(receiver.url("127.0.0.1").toString());
        literal.remove("allow-private-addresses");
        var named = entry(receiver.url("localhost").toString());
        named.remove("allow-private-addresses");

        assertThatThrownBy(() -> sink(literal)).isInstanceOf(InvalidSettings.class).hasMessage(
                "invalid configuration: audit.delivery.sinks[1].url: host 127.0.0.1 resolves to 127.0.0.1, a non-public "
                        + "address (allow-private-addresses permits it)");
        // A name is resolved when connecting; the address it resolves to is checked then.
        var failure = catchFailure(() -> sink(named).deliver("acme", SealedEvents.of("acme", 1)));
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.getMessage()).contains("destination refused: host localhost resolves to");
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void private_link_local_and_unique_local_destinations_are_refused_by_default() {
        for (var url : List.of("https://10.1.2.3/hook", "https://169.254.169.254/latest", "https://[fd00::1]/x",
                "https://100.64.0.1/", "https://[::ffff:192.168.1.1]/", "https://0.0.0.0/")) {
            var entry = entry(url);
            entry.remove("allow-private-addresses");
            assertThatThrownBy(() -> sink(entry)).as(url).isInstanceOf(InvalidSettings.class)
                    .hasMessageContaining("a non-public address");
        }
    }

    @Test
    void public_addresses_pass_the_address_check() throws Exception {
        for (var address : List.of("8.8.8.8", "1.1.1.1", "2001:4860:4860::8888")) {
            assertThat(OutboundPolicy.isNonPublic(InetAddress.getByName(address))).as(address).isFalse();
        }
    }

    @Test
    void http_is_refused_unless_allowed_and_hosts_outside_the_allow_list_are_refused() {
        var http = entry(receiver.url("127.0.0.1").toString());
        http.remove("allow-http");
        var listed = entry(receiver.url("127.0.0.1").toString());
        listed.put("allowed-hosts", List.of("siem.example.com", "*.example.net"));

        assertThatThrownBy(() -> sink(http)).hasMessage(
                "invalid configuration: audit.delivery.sinks[1].url: the URL must be https (found \"http\"; http needs allow-http)");
        assertThatThrownBy(() -> sink(listed)).hasMessage("invalid configuration: audit.delivery.sinks[1].url: host 127.0.0.1 "
                + "is not in the allow-list [siem.example.com, *.example.net]");
        assertThatThrownBy(() -> sink(entry("ftp://example.com/x"))).hasMessageContaining("must be https or http");
        assertThatThrownBy(() -> sink(entry("https://user:pw@example.com/x"))).hasMessageContaining("user information");
    }

    @Test
    void bad_entries_name_the_exact_setting_and_never_echo_the_secret() {
        var missing = entry("https://siem.example.com/x");
        missing.remove("secret");
        var malformed = entry("https://siem.example.com/x");
        malformed.put("secret", "not-a-secret-value-xyz");
        var shortKey = entry("https://siem.example.com/x");
        shortKey.put("secret", "whsec_c2hvcnQ=");
        var unknown = entry("https://siem.example.com/x");
        unknown.put("retries", 3);
        var format = entry("https://siem.example.com/x");
        format.put("format", "cef");
        var timeout = entry("https://siem.example.com/x");
        timeout.put("read-timeout", "10m");

        assertThatThrownBy(() -> sink(missing)).hasMessage("invalid configuration: audit.delivery.sinks[1].secret: a value is required for a webhook sink");
        assertThatThrownBy(() -> sink(malformed)).hasMessage("invalid configuration: audit.delivery.sinks[1].secret: "
                + "must be whsec_ followed by base64 (Standard Webhooks secret form)").message().doesNotContain("xyz");
        assertThatThrownBy(() -> sink(shortKey)).hasMessage("invalid configuration: audit.delivery.sinks[1].secret: "
                + "must hold 24 to 64 bytes of key (found 5)");
        assertThatThrownBy(() -> sink(unknown)).hasMessageStartingWith("invalid configuration: audit.delivery.sinks[1].retries: unknown option of a webhook sink");
        assertThatThrownBy(() -> sink(format)).hasMessage("invalid configuration: audit.delivery.sinks[1].format: "
                + "must be timestore or ocsf (found \"cef\")");
        assertThatThrownBy(() -> sink(timeout)).hasMessage("invalid configuration: audit.delivery.sinks[1].read-timeout: "
                + "must be between 100ms and 5m (found 10m)");
    }

    @Test
    void the_secret_and_the_url_path_never_appear_in_failures_or_descriptions() {
        var entry = entry(receiver.url("127.0.0.1") + "?token=hunter2");
        var sink = sink(entry);
        receiver.answer(400);
        var refused = catchFailure(() -> sink.deliver("acme", SealedEvents.of("acme", 1)));
        receiver.stop();
        var unreachable = catchFailure(() -> sink.deliver("acme", SealedEvents.of("acme", 1)));
        receiver.restart();

        var key = secret.substring("whsec_".length());
        for (var text : List.of(refused.getMessage(), unreachable.getMessage(), sink.toString(),
                WebhookSettings.parse(new io.timestore.server.delivery.SinkEntry("k", entry)).toString())) {
            assertThat(text).doesNotContain(key).doesNotContain("hunter2").doesNotContain("/hook");
        }
    }

    private static DeliveryFailed catchFailure(Runnable delivery) {
        try {
            delivery.run();
        } catch (DeliveryFailed e) {
            return e;
        }
        throw new AssertionError("the delivery was expected to fail");
    }
}
