package io.timestore.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * The load generators' points, the same bytes every time they are asked for: point {@code k}
 * belongs to series {@code k % series} ({@code <measurement>,host=h<k % series>,region=eu-west-1},
 * field {@code usage}), at {@code T0 + (k / series) * interval}, with the float value
 * {@code (k % 1000) / 8}. {@link #lines} writes them as line protocol (nanosecond timestamps),
 * {@link #binaryRows} as PostgreSQL binary COPY rows of the shape of {@code points} (series id
 * {@code k % series + 1}).
 *
 * @param measurement the measurement of every line
 * @param series      how many series the points go round
 * @param intervalNs  the time between two points of one series
 */
record LinePayload(String measurement, int series, long intervalNs) {
    static final long T0_NS = Instant.parse("2025-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L;

    LinePayload {
        if (series < 1 || intervalNs < 1) {
            throw new IllegalArgumentException("series and interval must be positive");
        }
    }

    long timeOf(long k) {
        return T0_NS + (k / series) * intervalNs;
    }

    /** The tag value {@code host} of point {@code k}. */
    String host(long k) {
        return "h" + k % series;
    }

    byte[] lines(long from, int count) {
        var out = new StringBuilder(count * 64);
        for (long k = from; k < from + count; k++) {
            out.append(measurement).append(",host=").append(host(k)).append(",region=eu-west-1 usage=")
                    .append(value(k)).append(' ').append(timeOf(k)).append('\n');
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The rows of {@link #lines} in PostgreSQL's binary COPY format, for {@code tenant} and {@code dataset}. */
    byte[] binaryRows(long from, int count, String tenant, String dataset) {
        byte[] tenantBytes = tenant.getBytes(StandardCharsets.US_ASCII);
        byte[] datasetBytes = dataset.getBytes(StandardCharsets.US_ASCII);
        var out = ByteBuffer.allocate(19 + count * (2 + 4 + tenantBytes.length + 4 + datasetBytes.length + 12 + 12 + 12 + 4 * 3) + 2);
        out.put("PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1)).putInt(0).putInt(0);
        for (long k = from; k < from + count; k++) {
            out.putShort((short) 8);
            out.putInt(tenantBytes.length).put(tenantBytes);
            out.putInt(datasetBytes.length).put(datasetBytes);
            out.putInt(8).putLong(k % series + 1);
            out.putInt(8).putLong(timeOf(k));
            out.putInt(8).putDouble(value(k));
            out.putInt(-1).putInt(-1).putInt(-1);
        }
        out.putShort((short) -1);
        return Arrays.copyOf(out.array(), out.position());
    }

    private static double value(long k) {
        return (k % 1000) / 8.0;
    }
}
