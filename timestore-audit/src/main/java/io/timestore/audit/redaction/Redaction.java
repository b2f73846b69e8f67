package io.timestore.audit.redaction;

import io.timestore.audit.Details;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Redactor} produced.
 *
 * @param details     the details to store
 * @param redacted    JSON pointers (RFC 6901, concrete indexes) of the values masked or removed
 * @param wouldRedact in {@code log} mode, the pointers configured rules matched but left as they
 *                    were; empty otherwise
 */
public record Redaction(Details details, List<String> redacted, List<String> wouldRedact) {
    public Redaction {
        Objects.requireNonNull(details, "details");
        redacted = List.copyOf(redacted);
        wouldRedact = List.copyOf(wouldRedact);
    }
}
