package io.timestore.audit.store;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditRecorder;
import io.timestore.audit.AuditUnavailable;
import io.timestore.audit.Recorded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: concurrent {@link #record} calls are queued and written by one writer thread in
 * shared transactions of up to {@code maxBatch} events, so a thousand concurrent requests cost a
 * handful of commits rather than a thousand (a single-row durable commit costs as much as a
 * hundred-row one). A writer never waits to fill a batch: it takes whatever is queued when its
 * previous commit finished, so an idle system commits each event at once.
 *
 * <p>With more than one writer, commits overlap: an event that arrives while one writer waits for
 * its commit's WAL flush is taken by another writer at once instead of waiting a whole commit for
 * its turn, which roughly halves the wait at moderate load (PostgreSQL flushes overlapping commits
 * together). Order between writers does not matter: the sequencer seals events in the order their
 * transactions become visible, as it does for events committed with their mutations.
 *
 * <p>Fail-closed: when the queue is full, the store fails, or the recorder is closing, the stage
 * completes exceptionally with {@link AuditUnavailable}; the caller then answers 503. Thread-safe.
 */
public final class GroupCommitRecorder implements AuditRecorder, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitRecorder.class);

    /** What the writer reports, for metrics. Implementations must be fast and never throw. */
    public interface Observer {
        void committed(int events, Duration commitTime);

        void failed(int events, AuditUnavailable failure);

        Observer NONE = new Observer() {
            @Override
            public void committed(int events, Duration commitTime) {}

            @Override
            public void failed(int events, AuditUnavailable failure) {}
        };
    }

    private record Pending(AuditEvent event, CompletableFuture<Recorded> done) {}

    private final EventStore sink;
    private final int maxBatch;
    private final Observer observer;
    private final BlockingQueue<Pending> queue;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Thread> writers;
    private volatile boolean lastCommitFailed;

    /**
     * @param sink          where batches are stored
     * @param queueCapacity events that may wait for a commit; beyond it {@link #record} fails fast
     * @param maxBatch      the most events one commit carries
     */
    public GroupCommitRecorder(EventStore sink, int queueCapacity, int maxBatch, Observer observer) {
        this(sink, queueCapacity, maxBatch, 1, observer);
    }

    /**
     * @param writers how many commits may be in progress at once; the sink needs that many
     *                connections (more writers than connections only queue inside the pool)
     */
    public GroupCommitRecorder(EventStore sink, int queueCapacity, int maxBatch, int writers, Observer observer) {
        this.sink = Objects.requireNonNull(sink, "sink");
        if (queueCapacity < 1 || maxBatch < 1 || writers < 1) {
            throw new IllegalArgumentException("queueCapacity, maxBatch and writers must be positive (found %d, %d, %d)"
                    .formatted(queueCapacity, maxBatch, writers));
        }
        this.maxBatch = maxBatch;
        this.observer = Objects.requireNonNull(observer, "observer");
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        var started = new ArrayList<Thread>(writers);
        for (int i = 0; i < writers; i++) {
            started.add(Thread.ofPlatform().name("audit-group-commit-" + i).daemon().start(this::writeLoop));
        }
        this.writers = List.copyOf(started);
    }

    @Override
    public CompletionStage<Recorded> record(AuditEvent event) {
        Objects.requireNonNull(event, "event");
        var pending = new Pending(event, new CompletableFuture<>());
        if (closed.get()) {
            pending.done().completeExceptionally(new AuditUnavailable("audit recorder is closed"));
        } else if (!queue.offer(pending)) {
            pending.done().completeExceptionally(new AuditUnavailable("audit queue is full (" + queue.size() + " waiting)"));
        }
        return pending.done();
    }

    /** Events waiting for a commit right now. */
    public int queueDepth() {
        return queue.size();
    }

    /** False while the most recent commit attempt failed: audit cannot currently persist. */
    public boolean healthy() {
        return !lastCommitFailed && !closed.get();
    }

    private void writeLoop() {
        var batch = new ArrayList<Pending>(maxBatch);
        while (!closed.get() || !queue.isEmpty()) {
            try {
                var first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
        failAll(new AuditUnavailable("audit recorder stopped"));
    }

    private void write(List<Pending> batch) {
        var events = new ArrayList<AuditEvent>(batch.size());
        batch.forEach(p -> events.add(p.event()));
        long started = System.nanoTime();
        try {
            var recorded = sink.append(events);
            lastCommitFailed = false;
            observer.committed(batch.size(), Duration.ofNanos(System.nanoTime() - started));
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done().complete(recorded.get(i));
            }
        } catch (AuditUnavailable failure) {
            fail(batch, failure);
        } catch (RuntimeException unexpected) {
            fail(batch, new AuditUnavailable("audit store failed unexpectedly", unexpected));
        }
    }

    private void fail(List<Pending> batch, AuditUnavailable failure) {
        lastCommitFailed = true;
        log.error("audit commit of {} event(s) failed: {}", batch.size(), failure.getMessage());
        observer.failed(batch.size(), failure);
        batch.forEach(p -> p.done().completeExceptionally(failure));
    }

    private void failAll(AuditUnavailable failure) {
        var rest = new ArrayList<Pending>();
        queue.drainTo(rest);
        rest.forEach(p -> p.done().completeExceptionally(failure));
    }

    /** Stops accepting events, commits what is queued (waiting at most {@code drain}), then stops. */
    public void close(Duration drain) {
        if (closed.getAndSet(true)) {
            return;
        }
        long deadline = System.nanoTime() + drain.toNanos();
        try {
            for (var writer : writers) {
                writer.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writers.forEach(Thread::interrupt);
        failAll(new AuditUnavailable("audit recorder closed"));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
