package io.timestore.server.chunks;

import java.nio.charset.StandardCharsets;

/** Reads what a {@link ByteWriter} wrote, refusing to read past the end. */
final class ByteReader {
    private final byte[] bytes;
    private int position;

    ByteReader(byte[] bytes, int position) {
        this.bytes = bytes;
        this.position = position;
    }

    int readByte() {
        if (position >= bytes.length) {
            throw new ChunkFormatException("chunk ends early at byte " + position);
        }
        return bytes[position++] & 0xFF;
    }

    long readVarint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new ChunkFormatException("varint longer than 10 bytes before byte " + position);
    }

    /** A varint that must lie in 0..max, as a length or a count. */
    int readLength(int max, String what) {
        long value = readVarint();
        if (value < 0 || value > max) {
            throw new ChunkFormatException(what + " " + Long.toUnsignedString(value) + " is out of range 0.." + max);
        }
        return (int) value;
    }

    String readUtf8(int length) {
        if (length > bytes.length - position) {
            throw new ChunkFormatException("string of " + length + " bytes runs past the chunk's end");
        }
        var text = new String(bytes, position, length, StandardCharsets.UTF_8);
        position += length;
        return text;
    }

    int position() {
        return position;
    }

    void skipTo(int newPosition) {
        if (newPosition < position || newPosition > bytes.length) {
            throw new ChunkFormatException("section ends at byte " + newPosition + ", outside the chunk");
        }
        position = newPosition;
    }

    int remaining() {
        return bytes.length - position;
    }

    byte[] bytes() {
        return bytes;
    }
}
