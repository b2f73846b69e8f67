/**
 * Purging events older than the retention period behind a signed purge anchor
 * ({@link io.timestore.audit.retention.Retention}), so a verifier can still check what remains.
 *
 * <p>May depend on the event contract, {@code chain} (the partition lock), {@code checkpoint} and
 * {@code store}; nothing in the audit module depends on it. Must not depend on the server.
 */
package io.timestore.audit.retention;
