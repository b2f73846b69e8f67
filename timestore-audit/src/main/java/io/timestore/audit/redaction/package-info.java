/**
 * What is hidden before an event is stored ({@link io.timestore.audit.redaction.Redactor} under a
 * {@link io.timestore.audit.redaction.RedactionPolicy}, with its result
 * {@link io.timestore.audit.redaction.Redaction}), and the support role's pseudonymised view of
 * stored events ({@link io.timestore.audit.redaction.SupportView}).
 *
 * <p>May depend on the event contract and {@code canonical}; must not depend on storage, chains,
 * checkpoints or verification, nor on the server.
 */
package io.timestore.audit.redaction;
