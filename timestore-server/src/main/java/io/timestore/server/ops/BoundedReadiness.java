package io.timestore.server.ops;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A readiness check that answers within {@code patience} however long the check it wraps takes.
 * The wrapped check runs on a virtual thread of its own, at most one at a time; a check still
 * running when the patience runs out counts as down, and later questions wait on that same run
 * instead of starting more. So a hung database (one that accepts connections but answers
 * nothing) makes {@code /readyz} answer 503 at once, rather than after the pool's connect and
 * validation timeouts, and piles up no probes while it hangs.
 *
 * <p>Thread-safe.
 */
public final class BoundedReadiness implements ReadinessCheck {
    private final ReadinessCheck check;
    private final Duration patience;
    private CompletableFuture<Boolean> running = CompletableFuture.completedFuture(false);

    public BoundedReadiness(ReadinessCheck check, Duration patience) {
        this.check = Objects.requireNonNull(check, "check");
        this.patience = Objects.requireNonNull(patience, "patience");
        if (patience.isNegative() || patience.isZero()) {
            throw new IllegalArgumentException("patience must be positive, was " + patience);
        }
    }

    @Override
    public String name() {
        return check.name();
    }

    @Override
    public boolean ready() {
        try {
            return run().get(patience.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The run in progress, or a new one when the last has finished. */
    private synchronized CompletableFuture<Boolean> run() {
        if (running.isDone()) {
            running = CompletableFuture.supplyAsync(check::ready,
                    task -> Thread.ofVirtual().name("readiness-" + check.name()).start(task));
        }
        return running;
    }
}
