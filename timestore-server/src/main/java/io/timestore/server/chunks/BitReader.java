package io.timestore.server.chunks;

/** Reads the bits a {@link BitWriter} wrote, from a region of a byte array. */
final class BitReader {
    private final byte[] bytes;
    private final int end;
    private int position;
    private int bit;

    BitReader(byte[] bytes, int start, int end) {
        this.bytes = bytes;
        this.position = start;
        this.end = end;
    }

    /** The next {@code count} bits (0..64) as the low bits of a long. */
    long read(int count) {
        long value = 0;
        for (int remaining = count; remaining > 0; ) {
            if (position >= end) {
                throw new ChunkFormatException("bit stream ends early at byte " + position);
            }
            int available = 8 - bit;
            int take = Math.min(available, remaining);
            int shifted = (bytes[position] & 0xFF) >>> (available - take);
            value = (value << take) | (shifted & ((1 << take) - 1));
            bit += take;
            remaining -= take;
            if (bit == 8) {
                position++;
                bit = 0;
            }
        }
        return value;
    }

    boolean readBit() {
        return read(1) == 1;
    }

    /** The byte after the stream's last (padded) byte. */
    int endOfStream() {
        return bit == 0 ? position : position + 1;
    }
}
