package io.timestore.server.ingest;

/**
 * Bounds on one line-protocol request, checked while parsing so that an oversized batch costs
 * little. The body size itself (compressed and decompressed) is bounded by the HTTP layer.
 *
 * @param maxPoints    most points (non-blank, non-comment lines) one request may carry
 * @param maxLineBytes longest line, in bytes, excluding the line break
 */
public record Limits(int maxPoints, int maxLineBytes) {

    /** 100,000 points and 1 MiB per line: 20x the 5,000-line batches InfluxDB clients send by default. */
    public static final Limits DEFAULTS = new Limits(100_000, 1 << 20);

    public Limits {
        if (maxPoints < 1) {
            throw new IllegalArgumentException("maxPoints must be at least 1, got " + maxPoints);
        }
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be at least 1, got " + maxLineBytes);
        }
    }
}
