package io.timestore.audit.tlog;

/**
 * A Merkle proof that does not prove what it was offered for: malformed (wrong length, hashes that
 * are not 32 bytes, sizes or indexes out of range) or computing a root other than the expected one.
 * The message says which; it carries only public values (sizes, indexes, hashes).
 */
public final class InvalidProof extends RuntimeException {
    public InvalidProof(String message) {
        super(message);
    }
}
