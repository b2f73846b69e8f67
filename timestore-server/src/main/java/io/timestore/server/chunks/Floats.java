package io.timestore.server.chunks;

/**
 * Float64 values as Gorilla's XOR encoding (Pelkonen et al., VLDB 2015), on the raw 64 bits (so
 * -0.0, subnormals and every other bit pattern come back exactly): the first value's 64 bits; then
 * x = bits XOR previous bits per value: {@code 0} when x = 0; {@code 10} + the meaningful bits when
 * x's leading and trailing zeros both are at least the previous window's (the window is reused);
 * else {@code 11} + 5 bits of leading zeros (at most 31) + 6 bits of (meaningful length - 1) + the
 * meaningful bits, which opens a new window.
 */
final class Floats {
    private Floats() {}

    static void encode(long[] values, BitWriter out) {
        out.write(values[0], 64);
        int leading = -1;
        int trailing = 0;
        for (int i = 1; i < values.length; i++) {
            long x = values[i] ^ values[i - 1];
            if (x == 0) {
                out.write(0b0, 1);
                continue;
            }
            int lead = Math.min(Long.numberOfLeadingZeros(x), 31);
            int trail = Long.numberOfTrailingZeros(x);
            if (leading >= 0 && lead >= leading && trail >= trailing) {
                out.write(0b10, 2);
                out.write(x >>> trailing, 64 - leading - trailing);
            } else {
                int meaningful = 64 - lead - trail;
                out.write(0b11, 2);
                out.write(lead, 5);
                out.write(meaningful - 1, 6);
                out.write(x >>> trail, meaningful);
                leading = lead;
                trailing = trail;
            }
        }
        out.flush();
    }

    static long[] decode(int n, BitReader in) {
        var values = new long[n];
        values[0] = in.read(64);
        int leading = -1;
        int trailing = 0;
        for (int i = 1; i < n; i++) {
            if (!in.readBit()) {
                values[i] = values[i - 1];
                continue;
            }
            if (in.readBit()) {
                leading = (int) in.read(5);
                int meaningful = (int) in.read(6) + 1;
                trailing = 64 - leading - meaningful;
                if (trailing < 0) {
                    throw new ChunkFormatException("float window of " + meaningful + " bits after " + leading + " leading zeros");
                }
            } else if (leading < 0) {
                throw new ChunkFormatException("float value " + i + " reuses a window before any was opened");
            }
            long x = in.read(64 - leading - trailing) << trailing;
            values[i] = values[i - 1] ^ x;
        }
        return values;
    }
}
