package io.timestore.server.chunks;

/** Appends bits, most significant first, to a growing byte array (the bit streams of a chunk). */
final class BitWriter {
    private final ByteWriter out;
    private int current;
    private int used;

    BitWriter(ByteWriter out) {
        this.out = out;
    }

    /** Appends the low {@code count} bits of {@code value} (0..64), most significant first. */
    void write(long value, int count) {
        for (int remaining = count; remaining > 0; ) {
            int room = 8 - used;
            int take = Math.min(room, remaining);
            int bits = (int) ((value >>> (remaining - take)) & ((1 << take) - 1));
            current = (current << take) | bits;
            used += take;
            remaining -= take;
            if (used == 8) {
                out.writeByte(current);
                current = 0;
                used = 0;
            }
        }
    }

    void writeBit(boolean bit) {
        write(bit ? 1 : 0, 1);
    }

    /** Pads the last byte with zero bits; the stream ends on a byte boundary. */
    void flush() {
        if (used > 0) {
            out.writeByte(current << (8 - used));
            current = 0;
            used = 0;
        }
    }
}
