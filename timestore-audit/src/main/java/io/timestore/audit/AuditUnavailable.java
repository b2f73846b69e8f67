package io.timestore.audit;

/**
 * Audit could not make an event durable (the store is down, the group commit did not finish within
 * its bound, the writer is shutting down). The caller must not acknowledge success: the HTTP edge
 * answers 503 {@code audit_unavailable} (G4). Unchecked because it crosses every layer between the
 * recorder and the edge; the message names what failed but never the event's content.
 */
public final class AuditUnavailable extends RuntimeException {
    public AuditUnavailable(String message) {
        super(message);
    }

    public AuditUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
