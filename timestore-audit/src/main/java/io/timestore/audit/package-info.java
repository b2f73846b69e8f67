/**
 * The audit trail as a library, independent of any HTTP framework: the event contract
 * ({@link io.timestore.audit.AuditEvent}, {@link io.timestore.audit.AuditJson}), deterministic ids
 * ({@link io.timestore.audit.EventIds}), redaction before storage ({@link io.timestore.audit.Redactor}),
 * the versioned canonical encoding ({@link io.timestore.audit.CanonicalEncoding}), per-tenant hash
 * chains ({@link io.timestore.audit.Chain}), signed checkpoints
 * ({@link io.timestore.audit.CheckpointSigner}, {@link io.timestore.audit.CheckpointVerifier}),
 * verification ({@link io.timestore.audit.ChainVerifier}) and the support role's view
 * ({@link io.timestore.audit.SupportView}). Storage plugs in through
 * {@link io.timestore.audit.EventStore} and {@link io.timestore.audit.AuditRecorder}.
 * The contract is documented for outside tools in {@code docs/audit-events.md}.
 */
package io.timestore.audit;
