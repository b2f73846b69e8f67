package io.timestore.security.tokens;

import java.time.Instant;

/**
 * Receives "token {@code id} was used at {@code at}" after each successful authentication. The
 * server batches these (for example, keeps the latest instant per id in memory and flushes every
 * few seconds) so that using a token costs no database write per request.
 *
 * <p>Contract: thread-safe, non-blocking, never throws — failing to record a last-used time must
 * not fail the request.
 */
@FunctionalInterface
public interface LastUsedRecorder {
    void recordUse(String tokenId, Instant at);
}
