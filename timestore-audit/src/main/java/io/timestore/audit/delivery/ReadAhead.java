package io.timestore.audit.delivery;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;

/**
 * The batches of one partition read while a sink takes the current one (docs/audit-delivery.md,
 * "How it works"): up to {@code depth} reads in flight, each on a virtual thread and a connection
 * of its own, so the database's work and the parsing of one batch overlap those of the next and
 * the sink's. Read {@code n} starts where read {@code n-1} ends if no seq is missing in between
 * ({@code seq} is dense in a chain, so a full batch ends at {@code after + batchSize}); a batch is
 * handed out only if it starts exactly where the delivered one ended. A wrong guess (a purged run,
 * the partition's end) drops that read and every read behind it, and the batch is read again at
 * once. Nothing durable changes here: the cursor moves only after the sink acknowledged, and what
 * was read ahead of a failed batch is dropped with {@link #close}.
 *
 * <p>The first read ahead of a worker needs no permit; every deeper one takes one of the loop's
 * shared {@code deepReads} permits, so the connections delivery borrows from the pool stay bounded
 * however many sinks run (a tenant's stream is a sink of its own).
 *
 * <p>Used by one worker thread; not thread-safe.
 */
final class ReadAhead implements AutoCloseable {
    /** A read in flight: the batch after {@code afterSeq}; {@code permit} says whether it holds a shared permit. */
    private record Pending(long afterSeq, FutureTask<DeliveryStore.Batch> task, boolean permit) {}

    private final DeliveryStore store;
    private final String partition;
    private final int batchSize;
    private final boolean parse;
    private final int depth;
    private final long headSeq;
    private final Semaphore deepReads;
    private final String threadName;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    /**
     * @param parse     whether every event is parsed as it is read ({@link DeliveryStore#read})
     * @param depth     the most reads in flight at once (at least 1)
     * @param headSeq   nothing is read ahead past this seq (the partition's head when the pass began)
     * @param deepReads permits for every read beyond the first in flight, shared by the loop's workers
     */
    ReadAhead(DeliveryStore store, String partition, int batchSize, boolean parse, int depth, long headSeq, Semaphore deepReads, String threadName) {
        if (depth < 1 || batchSize < 1) {
            throw new IllegalArgumentException("depth and batchSize must be positive");
        }
        this.store = Objects.requireNonNull(store, "store");
        this.partition = Objects.requireNonNull(partition, "partition");
        this.batchSize = batchSize;
        this.parse = parse;
        this.depth = depth;
        this.headSeq = headSeq;
        this.deepReads = Objects.requireNonNull(deepReads, "deepReads");
        this.threadName = Objects.requireNonNull(threadName, "threadName");
    }

    /**
     * The batch after {@code afterSeq}: the one read ahead for exactly that seq, or read now (after
     * dropping whatever was read ahead on a wrong guess). A read's failure is thrown here, as the same
     * read done now would throw it.
     */
    DeliveryStore.Batch next(long afterSeq) {
        var first = pending.peekFirst();
        if (first != null && first.afterSeq() == afterSeq) {
            pending.removeFirst();
            return take(first);
        }
        close();
        return store.read(partition, afterSeq, batchSize, parse);
    }

    /**
     * Starts reads until {@code depth} are in flight: the first after {@code throughSeq} (the end of
     * the batch about to be delivered), each next one a batch further; none past the head, none
     * beyond {@code remaining} more batches, and a deeper one only with a free shared permit.
     */
    void fill(long throughSeq, long remaining) {
        long after = pending.isEmpty() ? throughSeq : pending.peekLast().afterSeq() + batchSize;
        while (pending.size() < Math.min(depth, remaining) && after < headSeq) {
            boolean deep = !pending.isEmpty();
            if (deep && !deepReads.tryAcquire()) {
                return;
            }
            long from = after;
            var task = new FutureTask<>(() -> store.read(partition, from, batchSize, parse));
            pending.addLast(new Pending(from, task, deep));
            Thread.ofVirtual().name(threadName).start(task);
            after += batchSize;
        }
    }

    /** How many reads are in flight. */
    int inFlight() {
        return pending.size();
    }

    private DeliveryStore.Batch take(Pending read) {
        try {
            return read.task().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException("reading a delivery batch failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading a delivery batch", e);
        } finally {
            if (read.permit()) {
                deepReads.release();
            }
        }
    }

    /** Drops every read in flight, waiting for each, so that no read outlives the worker's pass. */
    @Override
    public void close() {
        while (!pending.isEmpty()) {
            try {
                take(pending.removeFirst());
            } catch (RuntimeException ignored) {
                // Read again, and its failure handled, when the partition's turn comes.
            }
        }
    }
}
