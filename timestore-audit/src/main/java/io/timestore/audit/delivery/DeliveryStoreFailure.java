package io.timestore.audit.delivery;

/** The delivery store could not read or write the database; the loop retries after a pause. */
public final class DeliveryStoreFailure extends RuntimeException {
    public DeliveryStoreFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
