package io.timestore.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.security.TenantId;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #17 across a crash: a real server process delivering to a file sink under load is killed
 * with SIGKILL and restarted on the same data directory. Afterwards every sealed event is in its
 * tenant's file set at least once, in seq order once duplicates are dropped, a duplicate is the
 * same event (same event_id, same bytes), and no tenant's event is in another's file set.
 */
class DeliveryCrashTest {
    private static final List<String> TENANTS = List.of("acme", "globex");

    @TempDir
    Path dataDir;

    @TempDir
    Path sink;

    @TempDir
    Path configDir;

    @Test
    void after_sigkill_mid_delivery_every_sealed_event_is_delivered_at_least_once_in_order_with_identical_duplicates() throws Exception {
        var config = Files.writeString(configDir.resolve("timestore.yaml"), """
                audit:
                  delivery:
                    batch-size: 20
                    sinks:
                      - name: siem
                        type: file
                        path: '%s'
                        rotate-size: 16KiB
                """.formatted(sink));
        var issuer = DevIssuer.load(new KeyFiles(dataDir), "timestore", io.timestore.security.jwt.ClaimNames.defaults(), InstantSource.system());
        var operator = "Bearer " + issuer.mint(new DevIssuer.Grant("ops", Optional.of(new TenantId("platform")),
                List.of("platform-operator"), List.of(), Duration.ofMinutes(15)));
        Map<String, String> admins = new HashMap<>();
        for (var tenant : TENANTS) {
            admins.put(tenant, "Bearer " + issuer.mint(new DevIssuer.Grant("alice", Optional.of(new TenantId(tenant)),
                    List.of("tenant-admin", "auditor"), List.of(), Duration.ofMinutes(15))));
        }

        try (var first = ServerProcess.serve(dataDir, "--config", config.toString())) {
            var api = new Api(first.awaitListening(Duration.ofSeconds(90)));
            for (var tenant : TENANTS) {
                assertThat(api.postJson("/admin/v1/tenants", "{\"id\": \"" + tenant + "\", \"name\": \"" + tenant + "\"}",
                        "Authorization", operator).statusCode()).isEqualTo(201);
            }
            var stop = new AtomicBoolean();
            try (var load = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int worker = 0; worker < 4; worker++) {
                    var admin = admins.get(TENANTS.get(worker % TENANTS.size()));
                    load.submit(() -> {
                        while (!stop.get()) {
                            try {
                                api.get("/admin/v1/tokens?limit=1", "Authorization", admin);
                            } catch (RuntimeException connectionLost) {
                                return;
                            }
                        }
                    });
                }
                Await.until("the sink is being fed", Duration.ofSeconds(60),
                        () -> TENANTS.stream().allMatch(t -> FileSets.lines(sink.resolve(t)).size() >= 100));
                first.kill();
                stop.set(true);
            }
        }

        try (var second = ServerProcess.serve(dataDir, "--config", config.toString())) {
            var api = new Api(second.awaitListening(Duration.ofSeconds(90)));
            for (var tenant : TENANTS) {
                api.get("/admin/v1/tokens?limit=1", "Authorization", admins.get(tenant));
                var sealed = new ArrayList<String>();
                Await.until(tenant + "'s sealed events all reached its file set", Duration.ofSeconds(90), () -> {
                    sealed.clear();
                    sealed.addAll(sealedIds(api, admins.get(tenant)));
                    return !sealed.isEmpty() && distinctInOrder(FileSets.lines(sink.resolve(tenant))).keySet().stream().toList().equals(sealed);
                });
                var lines = FileSets.lines(sink.resolve(tenant));
                assertThat(lines).allSatisfy(line -> assertThat(line.get("tenant_id").asText()).isEqualTo(tenant));
                var first = distinctInOrder(lines);
                assertThat(lines).as("a duplicate is the same event, byte for byte")
                        .allSatisfy(line -> assertThat(line).isEqualTo(first.get(line.get("event_id").asText())));
                var seqs = first.values().stream().map(l -> l.get("seq").asLong()).toList();
                assertThat(seqs).as("seq order without gaps once duplicates are dropped").isSorted().startsWith(1L);
                assertThat(seqs.getLast()).isEqualTo(seqs.size());
            }
        }
    }

    /** The first line of each event id, in file order. */
    private static Map<String, JsonNode> distinctInOrder(List<JsonNode> lines) {
        var first = new LinkedHashMap<String, JsonNode>();
        lines.forEach(line -> first.putIfAbsent(line.get("event_id").asText(), line));
        return first;
    }

    /** The tenant's sealed event ids in seq order, through the audit API (newest first, paged). */
    private static List<String> sealedIds(Api api, String auditor) {
        var bySeq = new java.util.TreeMap<Long, String>();
        String cursor = null;
        do {
            var page = api.get("/api/audit/v1alpha1/events?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor), "Authorization", auditor);
            if (page.statusCode() != 200) {
                return List.of();
            }
            page.json().get("items").forEach(e -> {
                if (e.hasNonNull("seq")) {
                    bySeq.put(e.get("seq").asLong(), e.get("event_id").asText());
                }
            });
            cursor = page.json().has("next_cursor") ? page.json().get("next_cursor").asText() : null;
        } while (cursor != null);
        return List.copyOf(bySeq.values());
    }
}
