/**
 * The audit trail as a library, independent of any HTTP framework; this package is its public
 * entry point and the event contract every other audit package shares: the event and its value
 * types ({@link io.timestore.audit.AuditEvent}, {@link io.timestore.audit.Details},
 * {@link io.timestore.audit.Severity}), its stored JSON ({@link io.timestore.audit.AuditJson}) and
 * the versioned canonical bytes that are hashed ({@link io.timestore.audit.CanonicalEncoding}),
 * deterministic ids ({@link io.timestore.audit.EventIds}), a sealed position in a chain
 * ({@link io.timestore.audit.Seal}, {@link io.timestore.audit.ChainHash},
 * {@link io.timestore.audit.ChainHead}), and what a service calls to record an event
 * ({@link io.timestore.audit.AuditRecorder}, {@link io.timestore.audit.Recorded},
 * {@link io.timestore.audit.AuditUnavailable}).
 *
 * <p>The rest, by concern: {@code canonical} (text normalisation, RFC 8785 JSON, timestamps),
 * {@code store} (the audit schema and transactional event storage, group commit), {@code chain}
 * (hash chaining and the sequencer that seals), {@code checkpoint} (signed checkpoints),
 * {@code verify} (chain and trail verification), {@code redaction} (what is hidden before storage,
 * the support view), {@code retention} (purging behind a signed anchor), {@code delivery} (the
 * exporter contract), {@code tlog} (Merkle tree, notes, receipts).
 *
 * <p>Depends only on {@code io.timestore.audit.canonical}; must not depend on any other audit
 * package (they all depend on this one), nor on the server, the security library or any HTTP
 * framework. The contract is documented for outside tools in {@code docs/audit-events.md}.
 */
package io.timestore.audit;
