package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.delivery.DeliveryStore;
import io.timestore.audit.store.PlatformPath;
import io.timestore.audit.store.PostgresEventStore;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.threeten.extra.MutableClock;

/** How the delivery store reads a batch: what it returns, and how much of the trail it touches to do so. */
@ExtendWith(EmbeddedPostgresExtension.class)
class DeliveryStoreTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static List<AuditEvent> sealed(AuditDatabase db, String tenant, int count) {
        var all = new ArrayList<AuditEvent>();
        for (int from = 0; from < count; from += 1_000) {
            var events = new ArrayList<AuditEvent>();
            for (int i = from; i < Math.min(count, from + 1_000); i++) {
                events.add(Events.event(tenant, i));
            }
            new PostgresEventStore(db.runtime(), new AuditJson()).append(events);
            try (var sequencer = Sequencers.start(db.runtime(), MutableClock.of(Events.T0, ZoneOffset.UTC),
                    Sequencers.settings(1_000, 1_000, Duration.ofHours(1)), io.timestore.audit.chain.Sequencer.Observer.NONE)) {
                Sequencers.round(sequencer);
            }
            all.addAll(events);
        }
        return all;
    }

    /** The seal rows each node of the batch query's plan read, summed over the nodes that scan audit_seals. */
    private static long sealsTouched(AuditDatabase db, String partition, long afterSeq, int limit) throws SQLException {
        try (var connection = db.runtime().getConnection()) {
            connection.setAutoCommit(false);
            PlatformPath.enter(connection);
            try (var statement = connection.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + DeliveryStore.BATCH)) {
                statement.setString(1, partition);
                statement.setLong(2, afterSeq);
                statement.setLong(3, afterSeq + limit);
                statement.setInt(4, limit);
                try (var rows = statement.executeQuery()) {
                    rows.next();
                    var plan = MAPPER.readTree(rows.getString(1)).get(0).get("Plan");
                    connection.rollback();
                    return maxSealRows(plan);
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static long maxSealRows(JsonNode node) {
        long rows = 0;
        boolean seals = "audit_seals".equals(node.path("Relation Name").asText()) || "audit_seals_pkey".equals(node.path("Index Name").asText());
        if (seals) {
            rows = node.path("Actual Rows").asLong() * Math.max(1, node.path("Actual Loops").asLong());
        }
        for (var child : node.path("Plans")) {
            rows = Math.max(rows, maxSealRows(child));
        }
        return rows;
    }

    @Test
    void a_batch_read_touches_no_more_seals_than_the_batch_even_before_the_partition_was_ever_analysed(AuditDatabase db)
            throws SQLException {
        sealed(db, "burst", 3_000);

        long touched = sealsTouched(db, "burst", 100, 50);
        var batch = new DeliveryStore(db.runtime()).read("burst", 100, 50);

        assertThat(touched).as("seal rows read for a 50-event batch out of 3,000 sealed").isLessThanOrEqualTo(50);
        assertThat(batch.events()).extracting(e -> e.seal().seq()).first().isEqualTo(101L);
        assertThat(batch.events()).hasSize(50);
        assertThat(batch.throughSeq()).isEqualTo(150);
        assertThat(batch.gaps()).isEmpty();
    }

    @Test
    void a_purged_run_longer_than_a_batch_after_the_cursor_is_skipped_and_reported_as_one_gap(AuditDatabase db) {
        var events = sealed(db, "acme", 40);
        // Retention removed seqs 1 to 30, seals and events, before the sink received them.
        db.asOwner("DELETE FROM audit_seals WHERE tenant_id = 'acme' AND seq <= 30");
        for (var event : events.subList(0, 30)) {
            db.asOwner("DELETE FROM audit_events WHERE tenant_id = 'acme' AND event_id = ?", event.eventId());
        }

        var batch = new DeliveryStore(db.runtime()).read("acme", 0, 7);

        assertThat(batch.events()).extracting(e -> e.seal().seq()).containsExactly(31L, 32L, 33L, 34L, 35L, 36L, 37L);
        assertThat(batch.events().getFirst()).isEqualTo(events.get(30).withSeal(batch.events().getFirst().seal()));
        assertThat(batch.gaps()).containsExactly(new DeliveryStore.Gap(0, 31));
        assertThat(batch.throughSeq()).isEqualTo(37);
    }
}
