package io.timestore.server.query;

/**
 * A read whose last statements ended its transaction ({@link MergedAggregates}) found more rows
 * than such a read takes (its statements' LIMITs cut them): what it computed is incomplete and its
 * snapshot gone, so the caller reads again from the start, in a transaction of its own, without
 * ending early ({@code QueryService}, {@code timestore_query_restarts_total}).
 */
final class ReadAgain extends RuntimeException {
    ReadAgain() {
        super("the read's ending statements found more rows than they take", null, false, false);
    }
}
