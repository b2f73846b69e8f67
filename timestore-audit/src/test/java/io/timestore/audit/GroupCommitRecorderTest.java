package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.audit.store.GroupCommitRecorder;
import io.timestore.audit.store.PostgresEventStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Group commit against a real, durable PostgreSQL (fsync and synchronous_commit on). */
@ExtendWith(EmbeddedPostgresExtension.class)
class GroupCommitRecorderTest {
    private final AuditJson json = new AuditJson();

    /** Counts commits and the events they carried. */
    private static final class Counting implements GroupCommitRecorder.Observer {
        final AtomicInteger commits = new AtomicInteger();
        final AtomicInteger events = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

        @Override
        public void committed(int count, Duration commitTime) {
            commits.incrementAndGet();
            events.addAndGet(count);
        }

        @Override
        public void failed(int count, AuditUnavailable failure) {
            failures.incrementAndGet();
        }
    }

    @ParameterizedTest(name = "{0} writer(s)")
    @ValueSource(ints = {1, 2})
    void two_hundred_concurrent_records_are_all_durable_and_share_far_fewer_commits(int writers, AuditDatabase db) throws Exception {
        var observer = new Counting();
        try (var recorder = new GroupCommitRecorder(new PostgresEventStore(db.runtime(), json), 1000, 100, writers, observer);
             var callers = Executors.newVirtualThreadPerTaskExecutor()) {
            var start = new CountDownLatch(1);
            List<CompletableFuture<Recorded>> waits = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                var event = Events.event(i % 2 == 0 ? "acme" : "globex", i);
                waits.add(CompletableFuture.supplyAsync(() -> {
                    await(start);
                    return recorder.recordAndWait(event, Duration.ofSeconds(10));
                }, callers));
            }
            start.countDown();
            CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get();

            assertThat(waits).allSatisfy(w -> assertThat(w.join().duplicate()).isFalse());
            assertThat(observer.events.get()).isEqualTo(200);
            assertThat(observer.commits.get()).isLessThan(50);
            assertThat(recorder.healthy()).isTrue();
        }
        assertThat(db.count("SELECT count(*) FROM audit_events")).isEqualTo(200);
        assertThat(db.count("SELECT count(*) FROM audit_pending")).isEqualTo(200);
    }

    @Test
    void a_retried_event_is_recorded_as_a_duplicate_without_a_second_row(AuditDatabase db) {
        try (var recorder = new GroupCommitRecorder(new PostgresEventStore(db.runtime(), json), 10, 10, new Counting())) {
            var event = Events.event("acme", 7);

            var first = recorder.recordAndWait(event, Duration.ofSeconds(10));
            var retry = recorder.recordAndWait(event, Duration.ofSeconds(10));

            assertThat(first.duplicate()).isFalse();
            assertThat(retry.duplicate()).isTrue();
        }
        assertThat(db.count("SELECT count(*) FROM audit_events")).isEqualTo(1);
    }

    @Test
    void when_the_store_refuses_connections_recording_fails_closed_and_the_recorder_reports_unhealthy(AuditDatabase db) {
        var observer = new Counting();
        try (var recorder = new GroupCommitRecorder(new PostgresEventStore(Unreachable.dataSource(), json), 10, 10, observer)) {
            var error = assertThrows(AuditUnavailable.class,
                    () -> recorder.recordAndWait(Events.event("acme", 1), Duration.ofSeconds(10)));

            assertThat(error).hasMessageContaining("audit store refused the batch");
            assertThat(recorder.healthy()).isFalse();
            assertThat(observer.failures.get()).isEqualTo(1);
        }
    }

    @Test
    void a_closed_recorder_refuses_new_events(AuditDatabase db) {
        var recorder = new GroupCommitRecorder(new PostgresEventStore(db.runtime(), json), 10, 10, new Counting());
        recorder.close();

        assertThrows(AuditUnavailable.class, () -> recorder.recordAndWait(Events.event("acme", 1), Duration.ofSeconds(1)));
        assertThat(recorder.healthy()).isFalse();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
