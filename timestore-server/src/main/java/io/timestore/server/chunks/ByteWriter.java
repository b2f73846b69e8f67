package io.timestore.server.chunks;

import java.util.Arrays;

/** A growing byte array with the chunk format's varints (unsigned LEB128 over 64 bits). */
final class ByteWriter {
    private byte[] bytes;
    private int size;

    ByteWriter(int capacity) {
        this.bytes = new byte[Math.max(16, capacity)];
    }

    void writeByte(int value) {
        if (size == bytes.length) {
            bytes = Arrays.copyOf(bytes, bytes.length * 2);
        }
        bytes[size++] = (byte) value;
    }

    void write(byte[] values) {
        if (size + values.length > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + values.length));
        }
        System.arraycopy(values, 0, bytes, size, values.length);
        size += values.length;
    }

    /** The 64 bits of {@code value} as an unsigned varint: 7 bits a byte, low group first, 1 to 10 bytes. */
    void writeVarint(long value) {
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            writeByte((int) ((rest & 0x7F) | 0x80));
            rest >>>= 7;
        }
        writeByte((int) rest);
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }
}
