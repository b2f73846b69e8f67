package io.timestore.audit.tlog;

/**
 * The node store could not be read or written (the database refused or is unreachable). Like any
 * audit storage failure, the caller must not acknowledge what depended on it. Carries the
 * SQLState, never data.
 */
public final class NodeStoreUnavailable extends RuntimeException {
    public NodeStoreUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
