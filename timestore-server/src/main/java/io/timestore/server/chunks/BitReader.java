package io.timestore.server.chunks;

/**
 * Reads the bits a {@link BitWriter} wrote, from a region of a byte array.
 *
 * <p>The next bits wait left-aligned in a 64-bit buffer, topped up a byte at a time, so a read
 * is a shift, not a loop over the bytes it spans: a chunk's points are decoded on every read
 * that cannot use its summaries (docs/data-plane.md, "How an aggregate is evaluated"). Bytes
 * are taken into the buffer only up to {@code end}.
 */
final class BitReader {
    private final byte[] bytes;
    private final int start;
    private final int end;
    private int position; // the next byte not yet in the buffer
    private long buffer; // the next bits, the first of them the buffer's highest
    private int buffered; // how many of the buffer's high bits are the stream's

    BitReader(byte[] bytes, int start, int end) {
        this.bytes = bytes;
        this.start = start;
        this.position = start;
        this.end = end;
    }

    /** The next {@code count} bits (0..64) as the low bits of a long. */
    long read(int count) {
        if (count > buffered) {
            fill();
            if (count > buffered) {
                return readAcrossFill(count);
            }
        }
        return take(count);
    }

    boolean readBit() {
        if (buffered == 0) {
            fill();
            if (buffered == 0) {
                throw endsEarly();
            }
        }
        boolean one = buffer < 0;
        buffer <<= 1;
        buffered--;
        return one;
    }

    /** The byte after the stream's last (padded) byte. */
    int endOfStream() {
        long consumedBits = 8L * (position - start) - buffered;
        return start + (int) ((consumedBits + 7) / 8);
    }

    /** The next {@code count} bits, all of them in the buffer. */
    private long take(int count) {
        if (count == 0) {
            return 0;
        }
        long value = buffer >>> (64 - count);
        buffer = count == 64 ? 0 : buffer << count;
        buffered -= count;
        return value;
    }

    /** A read of more bits than a full buffer holds (at most 7 fewer than 64 when it is topped up). */
    private long readAcrossFill(int count) {
        int high = buffered;
        long value = take(high);
        fill();
        int rest = count - high;
        if (rest > buffered) {
            throw endsEarly();
        }
        return (value << rest) | take(rest);
    }

    private void fill() {
        while (buffered <= 56 && position < end) {
            buffer |= (bytes[position++] & 0xFFL) << (56 - buffered);
            buffered += 8;
        }
    }

    private ChunkFormatException endsEarly() {
        return new ChunkFormatException("bit stream ends early at byte " + end);
    }
}
