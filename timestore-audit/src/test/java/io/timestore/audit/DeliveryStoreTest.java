package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.delivery.BatchRead;
import io.timestore.audit.delivery.DeliveryCursor;
import io.timestore.audit.delivery.DeliveryStore;
import io.timestore.audit.delivery.SealedEvent;
import io.timestore.audit.store.PlatformPath;
import io.timestore.audit.store.PostgresEventStore;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.threeten.extra.MutableClock;

/** How the delivery store reads a batch: what it returns, and how much of the trail it touches to do so. */
@ExtendWith(EmbeddedPostgresExtension.class)
class DeliveryStoreTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static void sealQueued(AuditDatabase db) {
        try (var sequencer = Sequencers.start(db.runtime(), MutableClock.of(Events.T0, ZoneOffset.UTC),
                Sequencers.settings(1_000, 1_000, Duration.ofHours(1)), io.timestore.audit.chain.Sequencer.Observer.NONE)) {
            Sequencers.round(sequencer);
        }
    }

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

    /** The most seal rows any node of the batch query's plan read (rows times loops). */
    private static long sealsTouched(AuditDatabase db, String partition, long afterSeq, int limit) throws SQLException {
        return sealsTouched(db, null, BatchRead.SEALS, partition, afterSeq, afterSeq + limit, limit);
    }

    /**
     * The most seal rows any node of {@code sql}'s plan read (rows times loops), run with
     * {@code parameters} after {@code settings} (when not null) in the same transaction, as the store does.
     */
    private static long sealsTouched(AuditDatabase db, String settings, String sql, Object... parameters) throws SQLException {
        return maxSealRows(plan(db, settings, sql, parameters));
    }

    /** The plan of {@code sql} as EXPLAIN ANALYZE gives it, run as {@link #sealsTouched} runs it. */
    private static JsonNode plan(AuditDatabase db, String settings, String sql, Object... parameters) throws SQLException {
        try (var connection = db.runtime().getConnection()) {
            connection.setAutoCommit(false);
            PlatformPath.enter(connection);
            if (settings != null) {
                try (var statement = connection.prepareStatement(settings)) {
                    statement.execute();
                }
            }
            try (var statement = connection.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    if (parameters[i] == null) {
                        statement.setNull(i + 1, java.sql.Types.VARCHAR);
                    } else {
                        statement.setObject(i + 1, parameters[i]);
                    }
                }
                try (var rows = statement.executeQuery()) {
                    var plan = planOf(rows);
                    connection.rollback();
                    return plan;
                }
            }
        }
    }

    /** The top plan node of an {@code EXPLAIN (FORMAT JSON)} result. */
    private static JsonNode planOf(java.sql.ResultSet rows) throws SQLException {
        rows.next();
        try {
            return MAPPER.readTree(rows.getString(1)).get(0).get("Plan");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
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
    void events_stored_since_schema_version_8_come_back_as_their_writer_sent_them_and_older_ones_are_parsed(AuditDatabase db) {
        var events = ArbitraryEvents.events().sampleStream().limit(200).toList();
        new PostgresEventStore(db.runtime(), new AuditJson()).append(events);
        try (var sequencer = Sequencers.start(db.runtime(), MutableClock.of(Events.T0, ZoneOffset.UTC),
                Sequencers.settings(1_000, 1_000, Duration.ofHours(1)), io.timestore.audit.chain.Sequencer.Observer.NONE)) {
            Sequencers.round(sequencer);
        }
        var store = new DeliveryStore(db.runtime());
        var json = new AuditJson();
        var partitions = events.stream().map(AuditEvent::tenantId).distinct().toList();

        int read = 0;
        var before = new java.util.HashMap<String, List<SealedEvent>>();
        for (var partition : partitions) {
            var asSent = store.read(partition, 0, 1_000, false).events();
            var parsed = store.read(partition, 0, 1_000, true).events();
            before.put(partition, parsed);
            assertThat(asSent).hasSameSizeAs(parsed);
            for (int i = 0; i < asSent.size(); i++) {
                var expected = json.write(parsed.get(i).event()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                assertThat(asSent.get(i).timestoreRecord()).as("%s seq %d, not parsed", partition, i + 1).isEqualTo(expected);
                assertThat(parsed.get(i).timestoreRecord()).isNull();
            }
            read += asSent.size();
        }
        assertThat(read).isEqualTo(events.stream().map(e -> e.tenantId() + e.eventId()).distinct().count());

        // As audit schema version 8 converted the events stored before it: jsonb's text of each.
        db.asOwner("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
        db.asOwner("UPDATE audit_events SET event = event::jsonb::json");
        for (var partition : partitions) {
            var parsed = before.get(partition);
            var converted = store.read(partition, 0, 1_000, false).events();
            assertThat(converted).hasSameSizeAs(parsed).isNotEmpty();
            for (int i = 0; i < converted.size(); i++) {
                assertThat(converted.get(i).timestoreRecord()).as("parsed").isNull();
                assertThat(converted.get(i).event()).isEqualTo(parsed.get(i).event());
            }
        }
    }

    @Test
    void a_batch_read_touches_no_more_seals_than_the_batch_even_before_the_partition_was_ever_analysed(AuditDatabase db)
            throws SQLException {
        sealed(db, "burst", 3_000);

        long touched = sealsTouched(db, "burst", 100, 50);
        var batch = new DeliveryStore(db.runtime()).read("burst", 100, 50, true);

        assertThat(touched).as("seal rows read for a 50-event batch out of 3,000 sealed").isLessThanOrEqualTo(50);
        assertThat(batch.events()).extracting(e -> e.seal().seq()).first().isEqualTo(101L);
        assertThat(batch.events()).hasSize(50);
        assertThat(batch.throughSeq()).isEqualTo(150);
        assertThat(batch.gaps()).isEmpty();
    }

    private static List<String> nodeTypes(JsonNode node) {
        var types = new ArrayList<String>();
        types.add(node.path("Node Type").asText());
        for (var child : node.path("Plans")) {
            types.addAll(nodeTypes(child));
        }
        return types;
    }

    /** The most rows any node of the plan read from {@code index} (rows times loops). */
    private static long indexRows(JsonNode node, String index) {
        long rows = index.equals(node.path("Index Name").asText())
                ? node.path("Actual Rows").asLong() * Math.max(1, node.path("Actual Loops").asLong()) : 0;
        for (var child : node.path("Plans")) {
            rows = Math.max(rows, indexRows(child, index));
        }
        return rows;
    }

    /** EXPLAIN ANALYZE of {@code sql} prepared by SQL and executed with {@code arguments}, the plan cache forced to {@code mode}. */
    private static JsonNode preparedPlan(AuditDatabase db, String sql, String mode, String arguments) throws SQLException {
        var numbered = sql;
        for (int i = 1; numbered.contains("?"); i++) {
            numbered = numbered.replaceFirst("\\?", "\\$" + i);
        }
        try (var connection = db.runtime().getConnection()) {
            connection.setAutoCommit(false);
            PlatformPath.enter(connection);
            try (var statement = connection.createStatement()) {
                statement.execute(DeliveryStore.ORDERED_SCANS);
                statement.execute("SET LOCAL plan_cache_mode = " + mode);
                statement.execute("PREPARE probe AS " + numbered);
                try (var rows = statement.executeQuery("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE probe(" + arguments + ")")) {
                    var plan = planOf(rows);
                    connection.rollback();
                    return plan;
                }
            }
        }
    }

    /** A batch's events are (nearly) one run of arrival numbers: one ordered index scan finds them, not one primary-key descent per random event id. */
    @Test
    void a_batch_read_fetches_its_events_by_one_ordered_scan_of_their_arrival_numbers_in_custom_and_generic_plans(AuditDatabase db)
            throws SQLException {
        sealed(db, "burst", 3_000);
        sealed(db, "other", 1_000);
        var numbers = new ArrayList<String>();
        for (long seq = 101; seq <= 150; seq++) {
            numbers.add(Long.toString(db.count("SELECT arrival FROM audit_seals WHERE tenant_id = 'burst' AND seq = ?", seq)));
        }
        var arguments = "'burst', '{" + String.join(",", numbers) + "}'::bigint[], 100";

        var custom = preparedPlan(db, BatchRead.EVENTS_BY_ARRIVAL, "force_custom_plan", arguments);
        var generic = preparedPlan(db, BatchRead.EVENTS_BY_ARRIVAL, "force_generic_plan", arguments);

        for (var plan : List.of(custom, generic)) {
            assertThat(nodeTypes(plan)).as("plan %s", plan).contains("Index Scan")
                    .doesNotContain("Bitmap Heap Scan", "Bitmap Index Scan", "Sort", "Seq Scan");
            assertThat(indexRows(plan, "audit_events_by_arrival")).as("plan %s", plan).isEqualTo(50);
        }
    }

    /** The SQL of every statement prepared through {@code dataSource}'s connections, in order, into {@code prepared}. */
    private static javax.sql.DataSource recording(javax.sql.DataSource dataSource, List<String> prepared) {
        return (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(DeliveryStoreTest.class.getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, arguments) -> {
                    var result = invoke(dataSource, method, arguments);
                    if (!method.getName().equals("getConnection")) {
                        return result;
                    }
                    var connection = (java.sql.Connection) result;
                    return java.lang.reflect.Proxy.newProxyInstance(DeliveryStoreTest.class.getClassLoader(),
                            new Class<?>[] {java.sql.Connection.class}, (p, m, a) -> {
                                if (m.getName().equals("prepareStatement")) {
                                    prepared.add((String) a[0]);
                                }
                                return invoke(connection, m, a);
                            });
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] arguments) throws Throwable {
        try {
            return method.invoke(target, arguments);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void a_batch_of_numbered_events_is_read_by_their_numbers_without_a_lookup_by_id(AuditDatabase db) {
        sealed(db, "burst", 300);
        var prepared = new ArrayList<String>();

        var batch = new DeliveryStore(recording(db.runtime(), prepared)).read("burst", 100, 100, false);

        assertThat(batch.events()).hasSize(100);
        assertThat(batch.gaps()).isEmpty();
        assertThat(prepared).contains(BatchRead.SEALS, BatchRead.EVENTS_BY_ARRIVAL)
                .noneMatch(sql -> sql.contains("event_id = ANY"));
    }

    /**
     * Writers take an event's number inside the caller's transaction: one that commits late is sealed
     * after events with higher numbers. Its batch still finds every event by its number: a range
     * from the late event's number up would first read the 2,500 events delivered before.
     */
    @Test
    void an_event_whose_transaction_committed_after_later_events_were_sealed_is_delivered_in_its_seal_order(AuditDatabase db)
            throws SQLException {
        var json = new AuditJson();
        var store = new PostgresEventStore(db.runtime(), json);
        var late = Events.event("acme", 0);
        var early = new ArrayList<AuditEvent>();
        try (var transaction = db.runtime().getConnection()) {
            transaction.setAutoCommit(false);
            try (var tenant = transaction.prepareStatement("SELECT set_config('app.tenant_id', 'acme', true)")) {
                tenant.execute();
            }
            store.append(transaction, late);
            for (int i = 1; i <= 2_500; i++) {
                early.add(Events.event("acme", i));
            }
            store.append(early);
            sealQueued(db);
            sealQueued(db);
            sealQueued(db);
            transaction.commit();
        }
        var after = List.of(Events.event("acme", 2_501), Events.event("acme", 2_502));
        store.append(after);
        sealQueued(db);
        var deliveryStore = new DeliveryStore(db.runtime());
        assertThat(deliveryStore.read("acme", 0, 2_500, false).events()).hasSize(2_500);
        var prepared = new ArrayList<String>();

        var batch = new DeliveryStore(recording(db.runtime(), prepared)).read("acme", 2_500, 1_000, true);

        assertThat(db.count("SELECT arrival FROM audit_events WHERE event_id = ?", late.eventId()))
                .as("the late event's number is below every other's")
                .isLessThan(db.count("SELECT min(arrival) FROM audit_events WHERE tenant_id = 'acme' AND event_id <> ?", late.eventId()));
        assertThat(batch.events()).extracting(e -> e.seal().seq()).containsExactly(2_501L, 2_502L, 2_503L);
        assertThat(batch.events()).extracting(e -> e.event().eventId())
                .containsExactly(late.eventId(), after.get(0).eventId(), after.get(1).eventId());
        assertThat(batch.events().getFirst().event()).isEqualTo(late.withSeal(batch.events().getFirst().seal()));
        assertThat(prepared).noneMatch(sql -> sql.contains("event_id = ANY"));
    }

    @Test
    void a_batch_holds_events_stored_without_an_arrival_number_by_an_older_release_and_numbered_ones_in_seq_order(AuditDatabase db) {
        var json = new AuditJson();
        var stored = new ArrayList<AuditEvent>();
        for (int i = 0; i < 12; i++) {
            var event = Events.event("mixed", i);
            if (i % 3 == 1) {
                OlderRelease.store(db, json, event);
            } else {
                new PostgresEventStore(db.runtime(), json).append(List.of(event));
            }
            stored.add(event);
            if (i % 4 == 3) {
                sealQueued(db);
            }
        }
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'mixed' AND arrival IS NULL")).isEqualTo(4);

        var batch = new DeliveryStore(db.runtime()).read("mixed", 0, 100, true);

        assertThat(batch.gaps()).isEmpty();
        assertThat(batch.events()).extracting(e -> e.seal().seq()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        for (var delivered : batch.events()) {
            assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'mixed' AND seq = ? AND event_id = ?",
                    delivered.seal().seq(), delivered.event().eventId())).as("seq %d", delivered.seal().seq()).isEqualTo(1);
        }
        assertThat(batch.events()).extracting(e -> e.event().eventId()).containsExactlyInAnyOrderElementsOf(
                stored.stream().map(AuditEvent::eventId).toList());
        for (var delivered : batch.events()) {
            var original = stored.stream().filter(e -> e.eventId().equals(delivered.event().eventId())).findFirst().orElseThrow();
            assertThat(delivered.event()).isEqualTo(original.withSeal(delivered.seal()));
        }
    }

    /** A row that takes a sealed event's number (a runtime role can insert one) is not its event, even when the index holds it first. */
    @Test
    void an_event_row_that_copies_a_sealed_events_arrival_number_is_not_delivered_in_its_place(AuditDatabase db) {
        var events = sealed(db, "acme", 2);
        var forged = Events.event("acme", 99);
        long next = db.count("SELECT last_value + 1 FROM audit_pending_arrival_seq");
        // Stored before the genuine event takes that number: the index holds the forged row first.
        db.asOwner("""
                INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, auth_method, action, component,
                                          result, status, severity, event, arrival)
                SELECT tenant_id, ?, occurred_at, 'forged', auth_method, action, component, result, status, severity,
                       replace(event::text, 'req-', 'forged-')::json, ?
                FROM audit_events WHERE event_id = ?""", forged.eventId(), next, events.getFirst().eventId());
        var genuine = Events.event("acme", 2);
        new PostgresEventStore(db.runtime(), new AuditJson()).append(List.of(genuine));
        sealQueued(db);
        assertThat(db.count("SELECT count(*) FROM audit_events WHERE arrival = ?", next)).isEqualTo(2);

        var batch = new DeliveryStore(db.runtime()).read("acme", 0, 100, true);

        assertThat(batch.events()).hasSize(3);
        assertThat(batch.events().get(2).event()).isEqualTo(genuine.withSeal(batch.events().get(2).seal()));
        assertThat(batch.events()).extracting(e -> e.event().eventId()).doesNotContain(forged.eventId());
    }

    /** The status queries run once per delivery round: before, each read every seal of a partition the statistics did not know. */
    @Test
    void the_status_queries_read_one_seal_per_partition_end_not_the_backlog_even_before_the_partition_was_ever_analysed(
            AuditDatabase db) throws SQLException {
        sealed(db, "burst", 3_000);
        sealed(db, "calm", 3);
        var store = new DeliveryStore(db.runtime());
        store.ensure("siem", "burst", 100);
        store.ensure("siem", "calm", 3);

        long statusTouched = sealsTouched(db, DeliveryStore.ORDERED_SCANS, DeliveryStore.STATUS, null, null);
        long headsTouched = sealsTouched(db, DeliveryStore.ORDERED_SCANS, DeliveryStore.HEADS);
        var cursors = store.cursors(Optional.of("siem"));
        var heads = store.heads();

        assertThat(statusTouched).as("seal rows read for the status of 2 cursors, one 2,900 events behind").isLessThanOrEqualTo(2);
        assertThat(headsTouched).as("seal rows read for the seq ranges of 2 partitions (and the end of the partition walk)")
                .isLessThanOrEqualTo(3);
        assertThat(cursors).extracting(DeliveryCursor::partition, DeliveryCursor::deliveredSeq, DeliveryCursor::headSeq,
                DeliveryCursor::lagEvents).containsExactly(tuple("burst", 100L, 3_000L, 2_900L), tuple("calm", 3L, 3L, 0L));
        assertThat(cursors.getFirst().lag()).as("the oldest undelivered event has been sealed for a while").isPositive();
        assertThat(cursors.getLast().lag()).isZero();
        assertThat(heads).containsExactly(entry("burst", new DeliveryStore.Head("burst", 1, 3_000)),
                entry("calm", new DeliveryStore.Head("calm", 1, 3)));
    }

    @Test
    void a_purged_run_longer_than_a_batch_after_the_cursor_is_skipped_and_reported_as_one_gap(AuditDatabase db) {
        var events = sealed(db, "acme", 40);
        // Retention removed seqs 1 to 30, seals and events, before the sink received them.
        db.asOwner("DELETE FROM audit_seals WHERE tenant_id = 'acme' AND seq <= 30");
        for (var event : events.subList(0, 30)) {
            db.asOwner("DELETE FROM audit_events WHERE tenant_id = 'acme' AND event_id = ?", event.eventId());
        }

        var batch = new DeliveryStore(db.runtime()).read("acme", 0, 7, true);

        assertThat(batch.events()).extracting(e -> e.seal().seq()).containsExactly(31L, 32L, 33L, 34L, 35L, 36L, 37L);
        assertThat(batch.events().getFirst().event()).isEqualTo(events.get(30).withSeal(batch.events().getFirst().seal()));
        assertThat(batch.gaps()).containsExactly(new DeliveryStore.Gap(0, 31));
        assertThat(batch.throughSeq()).isEqualTo(37);
    }
}
