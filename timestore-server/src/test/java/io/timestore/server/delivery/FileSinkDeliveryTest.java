package io.timestore.server.delivery;

import static io.timestore.server.delivery.FileSets.fileSink;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Await;
import io.timestore.server.testing.Directories;
import io.timestore.server.testing.TimestoreServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #17: the sealed trail reaches file sinks of a real server, per tenant, in order, nothing
 * lost; a sink whose receiver fails for a while catches up afterwards without holding up the others.
 */
class FileSinkDeliveryTest {
    private static final Path siem = Directories.temporary("delivery-siem");
    private static final Path archive = Directories.temporary("delivery-archive");
    private static final Path shared = Directories.temporary("delivery-shared");

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(s -> FileSets.withSinks(s, Optional.empty(),
            fileSink(0, "siem", siem),
            fileSink(1, "archive", archive, "rotate-size", "4KiB"),
            fileSink(2, "all-in-one", shared, "layout", "shared")));

    @BeforeAll
    static void tenants() {
        server.tenant("acme").tenant("globex").tenant("initech");
    }

    @AfterAll
    static void cleanUp() {
        List.of(siem, archive, shared).forEach(Directories::delete);
    }

    private static void traffic(String tenant, int requests) {
        var token = bearer(server.tokens().user(tenant, "tenant-admin"));
        for (int i = 0; i < requests; i++) {
            server.api().get("/admin/v1/tokens", token);
        }
    }

    private static void seal() throws Exception {
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private static boolean delivered(Path root, String partition) {
        var sealed = FileSets.sealed(server.postgres(), server.database(), partition);
        return !sealed.isEmpty() && FileSets.ids(FileSets.lines(root.resolve(partition))).equals(sealed);
    }

    @Test
    void every_sealed_event_reaches_the_file_sink_in_seq_order_and_each_tenant_only_in_its_own_file_set() throws Exception {
        traffic("acme", 40);
        traffic("globex", 25);
        seal();

        Await.until("each tenant's file set holds exactly its sealed events, in seq order", Duration.ofSeconds(60),
                () -> delivered(siem, "acme") && delivered(siem, "globex") && delivered(archive, "acme") && delivered(archive, "globex"));

        for (var entry : FileSets.perPartition(siem).entrySet()) {
            var lines = entry.getValue();
            assertThat(lines).as("events in %s's file set", entry.getKey())
                    .allSatisfy(line -> assertThat(line.get("tenant_id").asText()).isEqualTo(entry.getKey()));
            var seqs = FileSets.seqs(lines);
            assertThat(seqs).as("seq of %s", entry.getKey()).isSorted().doesNotHaveDuplicates();
            assertThat(seqs.getLast() - seqs.getFirst() + 1).as("no gap").isEqualTo(seqs.size());
            assertThat(lines).allSatisfy(line -> assertThat(line.has("hash") && line.has("prev_hash")).isTrue());
        }
        // 10-event batches of about 1 KB per event: every batch after the first starts a new segment.
        assertThat(FileSets.segments(archive.resolve("acme"))).as("the 4 KiB archive rotated by size").hasSizeGreaterThan(2);

        var all = FileSets.lines(shared);
        for (var tenant : List.of("acme", "globex")) {
            var ofTenant = all.stream().filter(l -> l.get("tenant_id").asText().equals(tenant)).toList();
            assertThat(FileSets.ids(ofTenant)).as("the shared file set keeps %s's order", tenant)
                    .isEqualTo(FileSets.sealed(server.postgres(), server.database(), tenant));
        }
    }

    @Test
    void a_file_set_that_cannot_be_written_for_a_while_catches_up_without_gaps_and_the_other_sinks_go_on() throws Exception {
        // The receiver fails: where initech's file set belongs there is a file, not a directory.
        var blocker = archive.resolve("initech");
        Files.writeString(blocker, "not a directory");
        traffic("initech", 30);
        seal();

        Await.until("the healthy sink delivered initech's events", Duration.ofSeconds(60), () -> delivered(siem, "initech"));
        Await.until("the blocked sink failed and retried", Duration.ofSeconds(60), () -> server.timestore().registry()
                .find("timestore.audit.delivery.failures").tag("sink", "archive").counters().stream()
                .mapToDouble(c -> c.count()).sum() >= 2);
        var archiveCursor = server.timestore().delivery().store().cursors(Optional.of("archive")).stream()
                .filter(c -> c.partition().equals("initech")).findFirst().orElseThrow();
        assertThat(archiveCursor.deliveredSeq()).isZero();
        assertThat(archiveCursor.lagEvents()).isEqualTo(30);
        traffic("acme", 5);
        seal();
        Await.until("other partitions of the failing sink go on", Duration.ofSeconds(60), () -> delivered(archive, "acme"));

        Files.delete(blocker);
        Await.until("the sink caught up after the receiver came back", Duration.ofSeconds(60), () -> delivered(archive, "initech"));
        var seqs = FileSets.seqs(FileSets.lines(archive.resolve("initech")));
        assertThat(seqs).isSorted().doesNotHaveDuplicates().startsWith(1L).hasSize(30);
    }
}
