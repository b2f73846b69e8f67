package io.timestore.audit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Records the one event of a request that did not commit its event with a mutation (G3, G4):
 * reads, failures, denials. Implementations batch concurrent calls into shared commits (group
 * commit) through an {@link io.timestore.audit.store.EventStore}.
 *
 * <p>Thread-safe. Never blocks the caller inside {@link #record}; the caller decides how long to
 * wait, and must answer 503 {@code audit_unavailable} rather than 2xx when the wait fails.
 */
public interface AuditRecorder {
    /**
     * Queues the event for the next commit.
     *
     * @return a stage completed once the event is durable, or completed exceptionally with
     *         {@link AuditUnavailable} when it cannot be (queue full, store down, shutting down)
     */
    CompletionStage<Recorded> record(AuditEvent event);

    /**
     * Records and waits at most {@code timeout} for durability.
     *
     * @throws AuditUnavailable when the event is not durable within {@code timeout}, or failed
     */
    default Recorded recordAndWait(AuditEvent event, Duration timeout) {
        CompletableFuture<Recorded> done = record(event).toCompletableFuture();
        try {
            return done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AuditUnavailable("audit event not durable within " + timeout, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuditUnavailable unavailable) {
                throw unavailable;
            }
            throw new AuditUnavailable("audit recording failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditUnavailable("interrupted while waiting for the audit commit", e);
        }
    }
}
