package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.cluster.Leadership;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Leadership}, the one advisory-lock leader of the sequencer, the delivery loop and the
 * retention jobs (docs/scaling.md), against a real PostgreSQL: two holders of the same key stand
 * for two server instances.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class LeadershipTest {
    private static final long KEY = 0x7465_7374_6c65_6164L;

    @Test
    void only_one_of_two_instances_holds_the_lock_until_the_holder_releases_it(AuditDatabase db) throws SQLException {
        var first = new Leadership(db.runtime(), KEY);
        var second = new Leadership(db.runtime(), KEY);
        try {
            assertThat(first.tryAcquire()).isTrue();
            assertThat(first.tryAcquire()).as("holding it already").isTrue();
            assertThat(second.tryAcquire()).isFalse();
            assertThat(second.isHeld()).isFalse();
            assertThat(first.isAlive()).isTrue();

            first.release();

            assertThat(first.isHeld()).isFalse();
            assertThat(second.tryAcquire()).isTrue();
            assertThat(first.tryAcquire()).isFalse();
        } finally {
            first.release();
            second.release();
        }
    }

    @Test
    void a_holder_whose_session_died_sees_the_lock_lost_and_another_instance_takes_it(AuditDatabase db) throws SQLException {
        var first = new Leadership(db.runtime(), KEY);
        var second = new Leadership(db.runtime(), KEY);
        try {
            assertThat(first.tryAcquire()).isTrue();
            terminate(db, backendPid(first.connection()));

            assertThat(first.isAlive()).as("the holder notices its connection is gone").isFalse();
            assertThat(second.tryAcquire()).as("PostgreSQL released the dead session's lock").isTrue();
            first.release();
            assertThat(second.isAlive()).isTrue();
        } finally {
            first.release();
            second.release();
        }
    }

    @Test
    void release_gives_the_lock_back_before_a_pooled_connection_goes_back_to_its_pool(AuditDatabase db) throws SQLException {
        var pool = KeepSessionsOpen.oneSession(db.runtime());
        var pooled = new Leadership(pool, KEY);
        var other = new Leadership(db.runtime(), KEY);
        try {
            assertThat(pooled.tryAcquire()).isTrue();
            pooled.release();

            assertThat(pool.getConnection().isClosed()).as("the session lives on in the pool").isFalse();
            assertThat(other.tryAcquire()).as("but no longer holds the lock").isTrue();
        } finally {
            pooled.release();
            other.release();
            pool.closeAll();
        }
    }

    @Test
    void a_run_is_skipped_while_another_instance_holds_the_lock_and_gives_it_back_afterwards(AuditDatabase db)
            throws SQLException {
        var job = new Leadership(db.runtime(), KEY);
        var leader = new Leadership(db.runtime(), KEY);
        try {
            assertThat(leader.tryAcquire()).isTrue();
            assertThat(job.runExclusively(() -> "ran")).isEmpty();
            leader.release();

            var insideRun = new AtomicReference<Boolean>();
            assertThat(job.runExclusively(() -> {
                insideRun.set(leader.tryAcquire());
                return "ran";
            })).isEqualTo(Optional.of("ran"));
            assertThat(insideRun.get()).as("nobody else may lead during the run").isFalse();
            assertThat(leader.tryAcquire()).as("the run gave the lock back").isTrue();
        } finally {
            leader.release();
        }
    }

    private static int backendPid(Connection connection) throws SQLException {
        try (var statement = connection.createStatement(); var rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static void terminate(AuditDatabase db, int pid) throws SQLException {
        try (var connection = db.superuser().getConnection();
             var statement = connection.prepareStatement("SELECT pg_terminate_backend(?)")) {
            statement.setInt(1, pid);
            try (var rows = statement.executeQuery()) {
                assertThat(rows.next() && rows.getBoolean(1)).as("backend %d terminated", pid).isTrue();
            }
        }
    }
}
