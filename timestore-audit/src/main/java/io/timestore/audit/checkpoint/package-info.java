/**
 * Signed checkpoints of a chain head: the signed record and its canonical signed bytes
 * ({@link io.timestore.audit.checkpoint.Checkpoint}), Ed25519 keys and key ids
 * ({@link io.timestore.audit.checkpoint.CheckpointKeys}), signing
 * ({@link io.timestore.audit.checkpoint.CheckpointSigner}), verification
 * ({@link io.timestore.audit.checkpoint.CheckpointVerifier}) and their table
 * ({@link io.timestore.audit.checkpoint.CheckpointStore}).
 *
 * <p>May depend on the event contract, {@code canonical} and {@code store}; must not depend on
 * {@code chain} (the sequencer uses checkpoints, not the other way round), {@code verify},
 * {@code retention}, nor on the server.
 */
package io.timestore.audit.checkpoint;
