package io.timestore.server.tokens;

import io.timestore.security.tokens.LastUsedRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the latest use of each API token in memory and writes them every few seconds in one
 * transaction, so authenticating with a token costs no database write per request. A failed flush
 * is logged and retried with the next one; it never fails a request. Thread-safe.
 */
public final class LastUsedBatcher implements LastUsedRecorder, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LastUsedBatcher.class);
    private final TokenRecords records;
    private final ConcurrentHashMap<String, Instant> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;

    public LastUsedBatcher(TokenRecords records, Duration interval) {
        this.records = records;
        this.flusher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("token-last-used").daemon().factory());
        flusher.scheduleWithFixedDelay(this::flush, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void recordUse(String tokenId, Instant at) {
        pending.merge(tokenId, at, (a, b) -> a.isAfter(b) ? a : b);
    }

    /** Writes what has been recorded since the last flush. */
    public void flush() {
        if (pending.isEmpty()) {
            return;
        }
        var batch = new HashMap<String, Instant>();
        for (var id : pending.keySet()) {
            var at = pending.remove(id);
            if (at != null) {
                batch.put(id, at);
            }
        }
        try {
            records.touch(batch);
        } catch (RuntimeException e) {
            batch.forEach(this::recordUse);
            log.warn("could not record token last-used times ({} tokens); will retry: {}", batch.size(), e.getMessage());
        }
    }

    @Override
    public void close() {
        flusher.shutdown();
        flush();
    }
}
