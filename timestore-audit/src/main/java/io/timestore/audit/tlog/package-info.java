/**
 * A verifiable log, in the formats transparency logs share, as a library without storage or HTTP:
 * <ul>
 *   <li>the Merkle tree of RFC 6962 / RFC 9162 ({@link io.timestore.audit.tlog.Rfc6962}), extended one
 *       leaf at a time through its right edge ({@link io.timestore.audit.tlog.CompactRange}) whose
 *       completed nodes go to a {@link io.timestore.audit.tlog.NodeStore} (in PostgreSQL:
 *       {@link io.timestore.audit.tlog.PostgresNodeStore});</li>
 *   <li>roots, inclusion and consistency proofs for any size up to the stored one, from
 *       O(log n) stored nodes ({@link io.timestore.audit.tlog.TreeProofs}), and their verification
 *       ({@link io.timestore.audit.tlog.ProofVerifier}, conformant with transparency-dev/merkle's
 *       vectors);</li>
 *   <li>checkpoints (c2sp.org/tlog-checkpoint, {@link io.timestore.audit.tlog.TreeCheckpoint}) signed
 *       as Ed25519 notes (c2sp.org/signed-note: {@link io.timestore.audit.tlog.Note},
 *       {@link io.timestore.audit.tlog.NoteSigner}, {@link io.timestore.audit.tlog.NoteVerifierKey},
 *       {@link io.timestore.audit.tlog.NoteVerifiers}), byte-compatible with Go's
 *       {@code golang.org/x/mod/sumdb/note};</li>
 *   <li>receipts that prove one audit event is in its tenant's log
 *       ({@link io.timestore.audit.tlog.Receipt}, JSON in {@link io.timestore.audit.tlog.ProofJson}).</li>
 * </ul>
 * Nothing here depends on the rest of {@code io.timestore.audit}: a log's leaves are opaque bytes
 * (for Timestore, an event's canonical bytes) and its origin an opaque string. The formats are
 * documented in {@code docs/transparency-log.md}.
 */
package io.timestore.audit.tlog;
