package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.audit.store.PostgresEventStore;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/** The sink against a real PostgreSQL, running as the runtime role under row-level security. */
@ExtendWith(EmbeddedPostgresExtension.class)
class PostgresEventStoreTest {
    private final AuditJson json = new AuditJson();

    @Test
    void appending_the_same_event_twice_stores_one_row_and_reports_the_second_as_a_duplicate(AuditDatabase db) {
        var sink = new PostgresEventStore(db.runtime(), json);
        var event = Events.event("acme", 1);

        var first = sink.append(List.of(event));
        var second = sink.append(List.of(event));

        assertThat(first).containsExactly(new Recorded(event.eventId(), false));
        assertThat(second).containsExactly(new Recorded(event.eventId(), true));
        assertThat(db.count("SELECT count(*) FROM audit_events WHERE event_id = ?", event.eventId())).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM audit_pending WHERE event_id = ?", event.eventId())).isEqualTo(1);
    }

    @Test
    void two_tenants_may_store_the_same_event_id_in_one_batch_and_neither_is_a_duplicate(AuditDatabase db) {
        var sink = new PostgresEventStore(db.runtime(), json);
        var acme = Events.event("acme", 1);
        var globex = new AuditEvent(acme.eventId(), "globex", acme.occurredAt(), acme.requestId(), acme.traceId(), acme.actor(),
                acme.operation(), acme.outcome(), acme.revision(), acme.request(), acme.details(), acme.severity(), null);

        var recorded = sink.append(List.of(acme, globex, acme));

        assertThat(recorded).containsExactly(new Recorded(acme.eventId(), false), new Recorded(acme.eventId(), false),
                new Recorded(acme.eventId(), true));
        assertThat(db.count("SELECT count(*) FROM audit_events WHERE event_id = ?", acme.eventId())).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM audit_pending WHERE event_id = ?", acme.eventId())).isEqualTo(2);
    }

    @Test
    void one_batch_may_hold_events_of_several_tenants_and_the_platform_partition_each_stored_in_its_own_partition(AuditDatabase db) {
        var sink = new PostgresEventStore(db.runtime(), json);
        var batch = List.of(Events.event("acme", 1), Events.event("globex", 2), Events.event(AuditEvent.PLATFORM_PARTITION, 3),
                Events.event("acme", 4));

        var recorded = sink.append(batch);

        assertThat(recorded).extracting(Recorded::eventId).containsExactlyElementsOf(batch.stream().map(AuditEvent::eventId).toList());
        assertThat(recorded).noneMatch(Recorded::duplicate);
        assertThat(db.count("SELECT count(*) FROM audit_events WHERE tenant_id = 'acme'")).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM audit_events WHERE tenant_id = 'globex'")).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM audit_events WHERE tenant_id = '_platform'")).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM audit_pending")).isEqualTo(4);
    }

    @Test
    void a_batch_is_stored_whole_or_not_at_all_when_the_insert_of_one_of_its_tenants_is_refused(AuditDatabase db) {
        // 150 tenants: enough statements (a setting and an INSERT each) that the driver sends a Sync
        // in the middle of the execution, which would commit the first half under autocommit. The
        // batch's explicit transaction keeps it whole: the last tenant's failure takes all back.
        db.asOwner("ALTER TABLE audit_events ADD CONSTRAINT refuse_for_test CHECK (tenant_id <> 'refused')");
        try {
            var sink = new PostgresEventStore(db.runtime(), json);
            var batch = new java.util.ArrayList<AuditEvent>();
            for (int i = 0; i < 150; i++) {
                batch.add(Events.event("tenant-" + i, 1000 + i));
            }
            batch.add(Events.event("refused", 42));

            var error = assertThrows(AuditUnavailable.class, () -> sink.append(batch));

            assertThat(error).hasMessageContaining("23514"); // check_violation
            assertThat(db.count("SELECT count(*) FROM audit_events WHERE tenant_id LIKE 'tenant-%'")).isZero();
            assertThat(db.count("SELECT count(*) FROM audit_pending WHERE tenant_id LIKE 'tenant-%'")).isZero();
        } finally {
            db.asOwner("ALTER TABLE audit_events DROP CONSTRAINT refuse_for_test");
        }
    }

    @Test
    void after_a_refused_batch_its_connection_stores_the_next_batch(AuditDatabase db) {
        // The COMMIT travels with the INSERTs: a refused INSERT makes PostgreSQL skip it, and the
        // transaction left aborted must be rolled back before the pooled session is used again.
        var session = KeepSessionsOpen.oneSession(db.runtime());
        db.asOwner("ALTER TABLE audit_events ADD CONSTRAINT refuse_for_test CHECK (tenant_id <> 'refused')");
        try {
            var sink = new PostgresEventStore(session, json);
            var refused = List.of(Events.event("acme", 61), Events.event("refused", 62));
            assertThrows(AuditUnavailable.class, () -> sink.append(refused));

            var next = Events.event("acme", 63);
            sink.append(List.of(next));

            assertThat(db.count("SELECT count(*) FROM audit_events WHERE event_id = ?", next.eventId())).isEqualTo(1);
            for (var event : refused) {
                assertThat(db.count("SELECT count(*) FROM audit_events WHERE event_id = ?", event.eventId())).isZero();
            }
        } finally {
            db.asOwner("ALTER TABLE audit_events DROP CONSTRAINT refuse_for_test");
            session.closeAll();
        }
    }

    @Test
    void a_group_commit_is_committed_and_leaves_no_tenant_or_platform_setting_on_its_connection(AuditDatabase db) throws SQLException {
        var session = KeepSessionsOpen.oneSession(db.runtime());
        try {
            var batch = List.of(Events.event("acme", 51), Events.event(AuditEvent.PLATFORM_PARTITION, 52));

            new PostgresEventStore(session, json).append(batch);

            try (var connection = session.getConnection();
                 var settings = connection.prepareStatement(
                         "SELECT coalesce(current_setting('app.tenant_id', true), ''), coalesce(current_setting('app.platform', true), '')");
                 var rows = settings.executeQuery()) {
                rows.next();
                assertThat(rows.getString(1)).isEmpty();
                assertThat(rows.getString(2)).isIn("", "off");
            }
            for (var event : batch) { // read by another session: committed
                assertThat(db.count("SELECT count(*) FROM audit_events WHERE event_id = ?", event.eventId())).isEqualTo(1);
            }
        } finally {
            session.closeAll();
        }
    }

    /**
     * The group commit sends its COMMIT in the same execution as the INSERTs' RETURNING: with a fetch
     * size from the URL ({@code defaultRowFetchSize}) the rows past the first chunk would stay in a
     * portal the COMMIT closed, and every batch of more than one event per tenant would fail.
     */
    @Test
    void a_group_commit_stores_and_reports_every_event_when_the_url_sets_a_default_fetch_size(AuditDatabase db) {
        var fetchingOneRowAtATime = new PGSimpleDataSource();
        fetchingOneRowAtATime.setServerNames(new String[] {"localhost"});
        fetchingOneRowAtATime.setPortNumbers(new int[] {db.port()});
        fetchingOneRowAtATime.setDatabaseName(db.name());
        fetchingOneRowAtATime.setUser(EmbeddedPostgresExtension.RUNTIME);
        fetchingOneRowAtATime.setDefaultRowFetchSize(1);
        var batch = List.of(Events.event("acme", 61), Events.event("acme", 62), Events.event("acme", 63),
                Events.event("globex", 64), Events.event("globex", 65));

        var recorded = new PostgresEventStore(fetchingOneRowAtATime, json).append(batch);

        assertThat(recorded).extracting(Recorded::eventId).containsExactlyElementsOf(batch.stream().map(AuditEvent::eventId).toList());
        assertThat(recorded).noneMatch(Recorded::duplicate);
        assertThat(db.count("SELECT count(*) FROM audit_events WHERE tenant_id IN ('acme', 'globex')")).isEqualTo(5);
    }

    @Test
    void the_stored_json_reads_back_as_the_same_unsealed_event(AuditDatabase db) {
        var sink = new PostgresEventStore(db.runtime(), json);
        var event = Events.event("acme", 5);
        sink.append(List.of(event));

        var stored = new StoredText(db).event("acme", event.eventId().toString());

        assertThat(json.read(stored)).isEqualTo(event);
    }

    @Test
    void the_queued_canonical_bytes_are_those_of_the_stored_json_for_hostile_strings_odd_numbers_and_nested_details(AuditDatabase db) {
        // The sequencer hashes the queued bytes and the verifier re-encodes the stored JSON: they must
        // agree for every event, as stored (the writer's text) and in jsonb's form, which the events
        // stored before audit schema version 8 have, whatever jsonb does to numbers, keys and strings.
        var events = ArbitraryEvents.events().sampleStream().limit(400).toList();
        new PostgresEventStore(db.runtime(), json).append(events);
        var stored = new StoredText(db);

        for (var event : events) {
            byte[] queued = db.bytes("SELECT canonical FROM audit_pending WHERE tenant_id = ? AND event_id = ?",
                    event.tenantId(), event.eventId());
            var asStored = json.read(stored.event(event.tenantId(), event.eventId().toString()));
            var fromJsonb = json.read(stored.eventInJsonbForm(event.tenantId(), event.eventId().toString()));
            assertThat(queued).as("event %s", event.eventId()).isEqualTo(CanonicalEncoding.encode(asStored))
                    .isEqualTo(CanonicalEncoding.encode(fromJsonb));
        }
    }

    @Test
    void an_event_appended_inside_the_callers_transaction_disappears_when_the_caller_rolls_back(AuditDatabase db) throws SQLException {
        var sink = new PostgresEventStore(db.runtime(), json);
        var rolledBack = Events.event("acme", 1);
        var committed = Events.event("acme", 2);

        try (var connection = db.runtime().getConnection()) {
            connection.setAutoCommit(false);
            assertThat(sink.append(connection, rolledBack).duplicate()).isFalse();
            connection.rollback();
            assertThat(sink.append(connection, committed).duplicate()).isFalse();
            connection.commit();
        }

        assertThat(db.count("SELECT count(*) FROM audit_events WHERE event_id = ?", rolledBack.eventId())).isZero();
        assertThat(db.count("SELECT count(*) FROM audit_pending WHERE event_id = ?", rolledBack.eventId())).isZero();
        assertThat(db.count("SELECT count(*) FROM audit_events WHERE event_id = ?", committed.eventId())).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM audit_pending WHERE event_id = ?", committed.eventId())).isEqualTo(1);
    }

    @Test
    void the_runtime_role_cannot_update_a_stored_event(AuditDatabase db) throws SQLException {
        new PostgresEventStore(db.runtime(), json).append(List.of(Events.event("acme", 1)));

        try (var connection = db.runtime().getConnection()) {
            connection.setAutoCommit(false);
            try (var tenant = connection.prepareStatement("SELECT set_config('app.tenant_id', 'acme', true)")) {
                tenant.execute();
            }
            try (var update = connection.prepareStatement("UPDATE audit_events SET action = 'forged'")) {
                var error = assertThrows(SQLException.class, update::executeUpdate);
                assertThat(error.getSQLState()).isEqualTo("42501"); // insufficient_privilege
            }
        }
    }

    @Test
    void a_store_that_refuses_connections_makes_append_fail_with_audit_unavailable(AuditDatabase db) {
        var sink = new PostgresEventStore(Unreachable.dataSource(), json);

        var error = assertThrows(AuditUnavailable.class, () -> sink.append(List.of(Events.event("acme", 1))));

        assertThat(error).hasMessageContaining("audit store refused the batch");
    }
}
