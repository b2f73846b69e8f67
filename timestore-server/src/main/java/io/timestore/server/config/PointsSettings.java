package io.timestore.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits and schedules of the data plane.
 *
 * @param maxBodyBytes         largest request body as sent (before decompression); larger is 413
 * @param maxDecompressedBytes largest body after {@code Content-Encoding: gzip} is undone; larger is
 *                             413, found without inflating more than this many bytes
 * @param maxPointsPerWrite    most points (line-protocol lines or JSON items) in one write
 * @param maxPointsPerQuery    most points one query may return (raw page size and aggregate buckets)
 * @param retentionInterval    how often the retention job looks for expired points
 * @param retentionBatch       most points one retention delete statement removes
 * @param seriesCacheSize      most series keys the line-protocol parser remembers across writes, and most series
 *                             (and fields) whose stored ids (and types) the write path remembers
 * @param compaction           the compactor that folds old hot rows into chunks
 */
public record PointsSettings(long maxBodyBytes, long maxDecompressedBytes, int maxPointsPerWrite, int maxPointsPerQuery,
                             Duration retentionInterval, int retentionBatch, int seriesCacheSize, CompactionSettings compaction) {
    /**
     * 4,096 series keys: as many as the per-batch table it replaced held at most, enough for the
     * benchmark's 1,000 interleaved series (docs/benchmarks.md), and a few MiB at most (keys over
     * 1 KiB are not cached).
     */
    public static final int DEFAULT_SERIES_CACHE_SIZE = 4_096;

    public PointsSettings {
        Objects.requireNonNull(retentionInterval, "retentionInterval");
        Objects.requireNonNull(compaction, "compaction");
        positive(maxBodyBytes, "maxBodyBytes");
        positive(maxDecompressedBytes, "maxDecompressedBytes");
        positive(maxPointsPerWrite, "maxPointsPerWrite");
        positive(maxPointsPerQuery, "maxPointsPerQuery");
        positive(retentionBatch, "retentionBatch");
        positive(seriesCacheSize, "seriesCacheSize");
        if (maxDecompressedBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxDecompressedBytes must be below 2 GiB, got " + maxDecompressedBytes);
        }
        if (retentionInterval.isNegative() || retentionInterval.isZero()) {
            throw new IllegalArgumentException("retentionInterval must be positive, got " + retentionInterval);
        }
    }

    /** The settings above with the compactor's defaults ({@link CompactionSettings#defaults()}). */
    public PointsSettings(long maxBodyBytes, long maxDecompressedBytes, int maxPointsPerWrite, int maxPointsPerQuery,
                          Duration retentionInterval, int retentionBatch, int seriesCacheSize) {
        this(maxBodyBytes, maxDecompressedBytes, maxPointsPerWrite, maxPointsPerQuery, retentionInterval, retentionBatch, seriesCacheSize,
                CompactionSettings.defaults());
    }

    /** These settings with {@code replacement} for the compactor's. */
    public PointsSettings withCompaction(CompactionSettings replacement) {
        return new PointsSettings(maxBodyBytes, maxDecompressedBytes, maxPointsPerWrite, maxPointsPerQuery, retentionInterval, retentionBatch,
                seriesCacheSize, replacement);
    }

    /** 10 MiB bodies, 64 MiB decompressed, 100,000 points per write and per query, retention hourly, 4,096 cached series. */
    public static PointsSettings defaults() {
        return new PointsSettings(10L << 20, 64L << 20, 100_000, 100_000, Duration.ofHours(1), 10_000, DEFAULT_SERIES_CACHE_SIZE);
    }

    private static void positive(long value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
