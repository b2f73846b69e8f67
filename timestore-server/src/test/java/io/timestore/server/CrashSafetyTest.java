package io.timestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.TenantId;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * G3, G4 and G6 across a crash: a real server process takes concurrent mutations and reads, is
 * killed with SIGKILL mid-load, and restarts on the same data directory. Every request that got
 * a 2xx has exactly one event; every committed mutation has its event and every success event
 * its mutation; and the chains verify once sealing has resumed.
 */
class CrashSafetyTest {
    @TempDir
    Path dataDir;

    private record Outcome(String requestId, int status, String method, Optional<String> tokenId) {}

    @Test
    void after_sigkill_every_acknowledged_request_has_exactly_one_event_and_the_chain_verifies() throws Exception {
        var issuer = DevIssuer.load(new KeyFiles(dataDir), "timestore", io.timestore.security.jwt.ClaimNames.defaults(),
                InstantSource.system());
        var operator = "Bearer " + issuer.mint(new DevIssuer.Grant("ops", Optional.of(new TenantId("platform")),
                List.of("platform-operator"), List.of(), Duration.ofMinutes(15)));
        var admin = "Bearer " + issuer.mint(new DevIssuer.Grant("alice", Optional.of(new TenantId("acme")),
                List.of("tenant-admin", "auditor"), List.of(), Duration.ofMinutes(15)));
        var outcomes = new ConcurrentLinkedQueue<Outcome>();

        try (var first = ServerProcess.serve(dataDir)) {
            var api = new Api(first.awaitListening(Duration.ofSeconds(90)));
            assertThat(api.postJson("/admin/v1/tenants", "{\"id\": \"acme\", \"name\": \"Acme\"}", "Authorization", operator)
                    .statusCode()).isEqualTo(201);
            var stop = new AtomicBoolean();
            var someCommitted = new CountDownLatch(40);
            try (var load = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int worker = 0; worker < 8; worker++) {
                    load.submit(() -> {
                        for (int i = 0; !stop.get(); i++) {
                            var requestId = "crash-" + UUID.randomUUID();
                            try {
                                ApiResponse response = i % 3 == 2
                                        ? api.get("/admin/v1/tokens?limit=1", "Authorization", admin, "X-Request-ID", requestId)
                                        : api.postJson("/admin/v1/tokens", "{\"name\": \"" + requestId + "\", \"permissions\": [{\"action\": \"dataset:read\"}]}",
                                                "Authorization", admin, "X-Request-ID", requestId);
                                var tokenId = response.statusCode() == 201 ? Optional.of(response.json().get("id").asText()) : Optional.<String>empty();
                                outcomes.add(new Outcome(requestId, response.statusCode(), i % 3 == 2 ? "GET" : "POST", tokenId));
                                someCommitted.countDown();
                            } catch (RuntimeException connectionLost) {
                                return; // the server died under this request: nothing was acknowledged
                            }
                        }
                        return;
                    });
                }
                someCommitted.await();
                first.kill();
                stop.set(true);
            }
        }

        try (var second = ServerProcess.serve(dataDir)) {
            var api = new Api(second.awaitListening(Duration.ofSeconds(90)));
            var acknowledged = outcomes.stream().filter(o -> o.status() / 100 == 2).toList();
            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(40);
            for (var outcome : acknowledged) {
                var events = api.get("/api/audit/v1alpha1/events?request_id=" + outcome.requestId(), "Authorization", admin);
                assertThat(events.statusCode()).as(events.body()).isEqualTo(200);
                assertThat(events.json().get("items")).as("events of %s", outcome.requestId()).hasSize(1);
            }

            Set<String> tokenIds = new HashSet<>();
            String cursor = null;
            do {
                var page = api.get("/admin/v1/tokens?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor), "Authorization", admin);
                page.json().get("items").forEach(t -> tokenIds.add(t.get("id").asText()));
                cursor = page.json().has("next_cursor") ? page.json().get("next_cursor").asText() : null;
            } while (cursor != null);
            Set<String> createdByEvents = new HashSet<>();
            cursor = null;
            do {
                var page = api.get("/api/audit/v1alpha1/events?component=tokens&result=succeeded&action=token:manage&limit=1000"
                        + (cursor == null ? "" : "&cursor=" + cursor), "Authorization", admin);
                page.json().get("items").forEach(e -> {
                    if (e.at("/request/method").asText().equals("POST")) {
                        createdByEvents.add(e.at("/operation/resource_id").asText());
                    }
                });
                cursor = page.json().has("next_cursor") ? page.json().get("next_cursor").asText() : null;
            } while (cursor != null);
            assertThat(createdByEvents).as("no mutation without its event, no event without its mutation").isEqualTo(tokenIds);
            var acknowledgedIds = new ArrayList<String>();
            acknowledged.forEach(o -> o.tokenId().ifPresent(acknowledgedIds::add));
            assertThat(tokenIds).containsAll(acknowledgedIds);

            Await.until("the restarted sequencer sealed everything and the chains verify", Duration.ofSeconds(60), () -> {
                var verify = api.get("/api/audit/v1alpha1/verify?tenant=acme", "Authorization", admin);
                return verify.statusCode() == 200 && verify.json().get("ok").asBoolean()
                        && verify.json().at("/tenants/0/verified_through_seq").asLong() >= acknowledged.size();
            });
        }
    }
}
