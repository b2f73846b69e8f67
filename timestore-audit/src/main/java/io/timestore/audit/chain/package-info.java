/**
 * Sealing: per-partition hash chains ({@link io.timestore.audit.chain.Chain}) and the single
 * sequencer that seals pending events into them ({@link io.timestore.audit.chain.Sequencer}), split
 * as Trillian splits its log operation: the sequencer holds leadership (a PostgreSQL advisory lock)
 * and the loop of rounds; the package-private {@code PartitionSealer} seals one partition in one
 * transaction (taking the batch with {@code PendingQueue}); {@code CheckpointSchedule} signs and
 * stores checkpoints when due.
 *
 * <p>May depend on the event contract, {@code store} and {@code checkpoint}; must not depend on
 * {@code verify}, {@code retention}, {@code redaction}, {@code delivery}, nor on the server.
 */
package io.timestore.audit.chain;
