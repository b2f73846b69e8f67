package io.timestore.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        var crash = new MidDeliveryCrash(dataDir, config, TENANTS);

        crash.killWhen("the sink is being fed", () -> TENANTS.stream().allMatch(t -> FileSets.lines(sink.resolve(t)).size() >= 100));

        try (var second = crash.restart()) {
            for (var tenant : TENANTS) {
                var sealed = new java.util.ArrayList<String>();
                Await.until(tenant + "'s sealed events all reached its file set", Duration.ofSeconds(90), () -> {
                    sealed.clear();
                    sealed.addAll(Delivered.sealedIds(second.api(), crash.admin(tenant)));
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
}
