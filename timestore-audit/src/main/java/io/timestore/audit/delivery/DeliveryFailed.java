package io.timestore.audit.delivery;

/**
 * A {@link DeliverySink} could not deliver a batch, or cannot tell whether the receiver accepted
 * it. The batch counts as not acknowledged and is delivered again later. The message names the
 * sink and the receiver's answer; it must not carry secrets (endpoint credentials, signatures).
 */
public final class DeliveryFailed extends RuntimeException {
    private final boolean retryable;

    /** @param retryable false when retrying cannot help (e.g. the receiver refused the batch as invalid) */
    public DeliveryFailed(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether retrying the same batch later may succeed; a sink that is not retryable is parked. */
    public boolean retryable() {
        return retryable;
    }
}
