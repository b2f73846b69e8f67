package io.timestore.server.delivery.streams;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.delivery.DeliveryTarget;
import io.timestore.server.config.TenantStreamSettings;
import io.timestore.server.delivery.SealedEvents;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import io.timestore.server.testing.WebhookReceiver;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /admin/v1/audit-streams} over real HTTP (docs/audit-delivery.md, "Tenant streams"), with a
 * real webhook receiver in the test JVM. {@code server} allows http and loopback for tenant streams,
 * as an operator would have to for a local receiver; {@code strict} keeps the defaults.
 */
class AuditStreamsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withTenantStreams(new TenantStreamSettings(List.of(), true, true)));
    @RegisterExtension
    static final TimestoreServer strict = TimestoreServer.create();

    private final WebhookReceiver receiver = WebhookReceiver.start(WebhookReceiver.newSecret());

    @BeforeAll
    static void tenants() {
        server.tenant("acme").tenant("globex");
        strict.tenant("acme");
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    private static String[] admin(TimestoreServer on, String tenant) {
        return bearer(on.tokens().user(tenant, "tenant-admin"));
    }

    private static ApiResponse create(TimestoreServer on, String tenant, String body) {
        return on.api().postJson("/admin/v1/audit-streams", body, admin(on, tenant));
    }

    private ApiResponse createToReceiver(String tenant, String name) {
        return create(server, tenant, """
                {"name": "%s", "url": "%s", "format": "ocsf", "cloudevents": true}""".formatted(name, receiver.url("127.0.0.1")));
    }

    @Test
    void a_created_stream_shows_its_secret_once_and_never_again() {
        var created = createToReceiver("acme", "siem one");
        var secret = created.json().get("secret").asText();
        var id = created.json().get("id").asText();

        var listed = server.api().get("/admin/v1/audit-streams", admin(server, "acme"));

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.header("Cache-Control")).isEqualTo("no-store");
        assertThat(created.header("Location")).isEqualTo("/admin/v1/audit-streams/" + id);
        assertThat(secret).startsWith("whsec_");
        assertThat(created.json().get("status").asText()).isEqualTo("active");
        assertThat(created.json().get("format").asText()).isEqualTo("ocsf");
        assertThat(listed.statusCode()).isEqualTo(200);
        var item = listed.json().get("items").valueStream().filter(i -> i.get("id").asText().equals(id)).findFirst().orElseThrow();
        assertThat(item.has("secret")).isFalse();
        assertThat(listed.body()).doesNotContain(secret.substring(6));
        assertThat(new AuditLog(server).everything()).doesNotContain(secret.substring(6));
    }

    @Test
    void one_tenant_neither_sees_nor_touches_another_tenants_streams() {
        var id = createToReceiver("acme", "acme only").json().get("id").asText();
        var path = "/admin/v1/audit-streams/" + id;

        var listed = server.api().get("/admin/v1/audit-streams", admin(server, "globex"));
        var paused = server.api().postJson(path + "/pause", "", admin(server, "globex"));
        var tested = server.api().postJson(path + "/test", "", admin(server, "globex"));
        var deleted = server.api().method("DELETE", path, admin(server, "globex"));

        assertThat(listed.body()).doesNotContain(id);
        assertThat(paused.statusCode()).isEqualTo(404);
        assertThat(tested.statusCode()).isEqualTo(404);
        assertThat(deleted.statusCode()).isEqualTo(404);
        assertThat(paused.contentType()).isEqualTo("application/problem+json");
        assertThat(receiver.received()).isEmpty();
        assertThat(server.api().get("/admin/v1/audit-streams", admin(server, "acme")).body()).contains(id);
    }

    @Test
    void the_test_delivery_sends_one_batch_signed_with_the_shown_secret_and_reports_what_the_receiver_answered() {
        var created = createToReceiver("acme", "tested");
        receiver.keyWith(created.json().get("secret").asText());
        var path = "/admin/v1/audit-streams/" + created.json().get("id").asText() + "/test";

        var ok = server.api().postJson(path, "", admin(server, "acme"));
        receiver.answer(400);
        var refused = server.api().postJson(path, "", admin(server, "acme"));
        receiver.stop();
        var down = server.api().postJson(path, "", admin(server, "acme"));
        receiver.restart();

        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.json().get("delivered").asBoolean()).isTrue();
        assertThat(ok.json().get("status").asInt()).isEqualTo(204);
        assertThat(refused.json().get("delivered").asBoolean()).isFalse();
        assertThat(refused.json().get("status").asInt()).isEqualTo(400);
        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(down.json().get("delivered").asBoolean()).isFalse();
        assertThat(down.json().get("status").isNull()).isTrue();
        assertThat(down.json().get("error").asText()).contains("could not reach 127.0.0.1");
        var sent = receiver.received().getFirst();
        assertThat(sent.signatureValid()).isTrue();
        assertThat(sent.header("timestore-test")).isEqualTo("true");
        assertThat(sent.header("content-type")).startsWith("application/cloudevents-batch+json");
        assertThat(sent.text()).isEqualTo("[]");
    }

    @Test
    void targets_list_active_streams_for_their_own_tenant_only_and_drop_paused_and_deleted_ones() throws Exception {
        var acme = createToReceiver("acme", "targets acme").json();
        var globex = createToReceiver("globex", "targets globex").json();
        var paused = createToReceiver("acme", "targets paused").json();
        var deleted = createToReceiver("acme", "targets deleted").json();
        server.api().postJson("/admin/v1/audit-streams/" + paused.get("id").asText() + "/pause", "", admin(server, "acme"));
        var delete = server.api().method("DELETE", "/admin/v1/audit-streams/" + deleted.get("id").asText(), admin(server, "acme"));
        var targets = server.timestore().tenantStreamTargets();
        targets.refreshNow();

        var current = targets.current();

        assertThat(delete.statusCode()).isEqualTo(204);
        var byName = current.stream().collect(java.util.stream.Collectors.toMap(t -> t.sink().name(), DeliveryTarget::onlyPartition));
        assertThat(byName).containsEntry("tenant-stream:" + acme.get("id").asText(), java.util.Optional.of("acme"))
                .containsEntry("tenant-stream:" + globex.get("id").asText(), java.util.Optional.of("globex"))
                .doesNotContainKey("tenant-stream:" + paused.get("id").asText())
                .doesNotContainKey("tenant-stream:" + deleted.get("id").asText());

        // Resumed, the paused stream comes back; delivered through its target, the batch verifies with its secret.
        var resumed = server.api().postJson("/admin/v1/audit-streams/" + paused.get("id").asText() + "/resume", "",
                admin(server, "acme"));
        targets.refreshNow();
        var target = targets.current().stream()
                .filter(t -> t.sink().name().equals("tenant-stream:" + paused.get("id").asText())).findFirst().orElseThrow();
        receiver.keyWith(paused.get("secret").asText());
        target.sink().deliver("acme", SealedEvents.of("acme", 2));

        assertThat(resumed.json().get("status").asText()).isEqualTo("active");
        var received = receiver.received().getLast();
        assertThat(received.signatureValid()).isTrue();
        assertThat(received.header("timestore-partition")).isEqualTo("acme");
        assertThat(JSON.readTree(received.body())).hasSize(2);
    }

    @Test
    void bad_input_is_a_problem_naming_each_member() {
        var response = create(server, "acme", """
                {"name": "", "url": "ftp://x", "format": "cef", "cloudevents": "yes", "retries": 3}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("invalid_request");
        assertThat(response.json().get("errors").valueStream().map(e -> e.get("pointer").asText()).toList())
                .containsExactlyInAnyOrder("/retries", "/name", "/url", "/format", "/cloudevents");
        assertThat(server.api().postJson("/admin/v1/audit-streams/nope/pause", "", admin(server, "acme")).statusCode()).isEqualTo(400);
    }

    @Test
    void by_default_streams_must_be_https_to_public_addresses() {
        var http = create(strict, "acme", """
                {"name": "plain", "url": "http://siem.example.com/hook"}""");
        var loopback = create(strict, "acme", """
                {"name": "loop", "url": "https://127.0.0.1:8443/hook"}""");
        var metadata = create(strict, "acme", """
                {"name": "cloud", "url": "https://169.254.169.254/latest/meta-data"}""");

        assertThat(http.statusCode()).isEqualTo(400);
        assertThat(http.json().at("/errors/0/detail").asText()).isEqualTo("the URL must be https (found \"http\"; http needs allow-http)");
        assertThat(loopback.json().at("/errors/0/detail").asText()).contains("a non-public address");
        assertThat(metadata.json().at("/errors/0/detail").asText()).contains("a non-public address");
    }
}
