package io.timestore.server.chunks;

/**
 * Timestamps as delta of deltas, in a bit stream: the first as its 64 bits; then for each next one
 * the zig-zag form z of dod = (t[i] - t[i-1]) - (t[i-1] - t[i-2]) (wrapping int64 arithmetic, the
 * delta before the second point taken as 0) in the shortest of five classes:
 * {@code 0} (z = 0), {@code 10} + 12 bits, {@code 110} + 24 bits, {@code 1110} + 40 bits,
 * {@code 1111} + 64 bits. A regular series costs one bit per point after the second.
 */
final class Timestamps {
    private static final int[] WIDTHS = {12, 24, 40};

    private Timestamps() {}

    static void encode(long[] timestamps, BitWriter out) {
        out.write(timestamps[0], 64);
        long previousDelta = 0;
        for (int i = 1; i < timestamps.length; i++) {
            long delta = timestamps[i] - timestamps[i - 1];
            long z = ChunkCodec.zigZag(delta - previousDelta);
            previousDelta = delta;
            if (z == 0) {
                out.write(0b0, 1);
            } else if (Long.compareUnsigned(z, 1L << WIDTHS[0]) < 0) {
                out.write(0b10, 2);
                out.write(z, WIDTHS[0]);
            } else if (Long.compareUnsigned(z, 1L << WIDTHS[1]) < 0) {
                out.write(0b110, 3);
                out.write(z, WIDTHS[1]);
            } else if (Long.compareUnsigned(z, 1L << WIDTHS[2]) < 0) {
                out.write(0b1110, 4);
                out.write(z, WIDTHS[2]);
            } else {
                out.write(0b1111, 4);
                out.write(z, 64);
            }
        }
        out.flush();
    }

    static long[] decode(int n, BitReader in) {
        var timestamps = new long[n];
        timestamps[0] = in.read(64);
        long previousDelta = 0;
        for (int i = 1; i < n; i++) {
            int ones = 0;
            while (ones < 4 && in.readBit()) {
                ones++;
            }
            long z = ones == 0 ? 0 : in.read(ones < 4 ? WIDTHS[ones - 1] : 64);
            long delta = previousDelta + ChunkCodec.unZigZag(z);
            timestamps[i] = timestamps[i - 1] + delta;
            previousDelta = delta;
        }
        return timestamps;
    }
}
