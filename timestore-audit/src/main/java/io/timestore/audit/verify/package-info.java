/**
 * Verification of the trail: one chain segment against its events, seals and checkpoints
 * ({@link io.timestore.audit.verify.ChainVerifier}), the stored trail of a partition read from the
 * database ({@link io.timestore.audit.verify.AuditVerification}) and the verdict
 * ({@link io.timestore.audit.verify.VerificationResult}).
 *
 * <p>May depend on the event contract, {@code canonical}, {@code chain}, {@code checkpoint} and
 * {@code store}; nothing in the audit module depends on it. Must not depend on the server.
 */
package io.timestore.audit.verify;
