package io.timestore.server.chunks;

import io.timestore.server.points.FieldType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;

/**
 * The binary form of a chunk, version 1 (documented byte by byte in docs/data-plane.md, "Chunk
 * format"): a version byte, a type byte, the point count, the timestamps as a delta-of-delta bit
 * stream, then the values: Gorilla XOR floats, zig-zag varint deltas of int64/uint64 bits,
 * run-length booleans, or dictionary strings. Pure: no database, no clock, no state.
 */
public final class ChunkCodec {
    /** The format version this codec writes and the only one it reads. */
    public static final int VERSION = 1;
    /** Most points in one chunk: bounds a decode's memory and work. */
    public static final int MAX_POINTS = 10_000;

    private static final int MAX_STRING_BYTES = Integer.MAX_VALUE - 16;

    private ChunkCodec() {}

    /** The encoded bytes of {@code points}. */
    public static byte[] encode(ChunkPoints points) {
        int n = points.size();
        var out = new ByteWriter(16 + n * 2);
        out.writeByte(VERSION);
        out.writeByte(typeCode(points.type()));
        out.writeVarint(n);
        var timestamps = new ByteWriter(8 + n / 4);
        Timestamps.encode(points.timestamps(), new BitWriter(timestamps));
        out.writeVarint(timestamps.size());
        out.write(timestamps.toByteArray());
        switch (points.type()) {
            case FLOAT -> Floats.encode(points.bits(), new BitWriter(out));
            case INTEGER, UNSIGNED -> encodeIntegers(points.bits(), out);
            case BOOLEAN -> encodeBooleans(points.bits(), out);
            case STRING -> encodeStrings(points.strings(), out);
        }
        return out.toByteArray();
    }

    /** The points {@code chunk} holds; {@link ChunkFormatException} for anything not written by {@link #encode}. */
    public static ChunkPoints decode(byte[] chunk) {
        var in = new ByteReader(chunk, 0);
        int version = in.readByte();
        if (version != VERSION) {
            throw new ChunkFormatException("chunk format version " + version + " is not supported (this server reads " + VERSION + ")");
        }
        var type = typeOf(in.readByte());
        int n = in.readLength(MAX_POINTS, "point count");
        if (n == 0) {
            throw new ChunkFormatException("a chunk holds at least one point");
        }
        // Checked against what follows the length itself: a bound taken before reading it would let
        // the section claim the length's own bytes and end past the chunk.
        int timestampBytes = in.readLength(Integer.MAX_VALUE, "timestamp section length");
        if (timestampBytes > in.remaining()) {
            throw new ChunkFormatException("timestamp section of " + timestampBytes + " bytes runs past the chunk's end");
        }
        int valuesStart = in.position() + timestampBytes;
        var timestampBits = new BitReader(chunk, in.position(), valuesStart);
        long[] timestamps = Timestamps.decode(n, timestampBits);
        if (timestampBits.endOfStream() != valuesStart) {
            throw new ChunkFormatException((valuesStart - timestampBits.endOfStream()) + " bytes follow the chunk's last timestamp");
        }
        in.skipTo(valuesStart);
        long[] bits = null;
        String[] strings = null;
        int end;
        switch (type) {
            case FLOAT -> {
                var reader = new BitReader(chunk, valuesStart, chunk.length);
                bits = Floats.decode(n, reader);
                end = reader.endOfStream();
            }
            case INTEGER, UNSIGNED -> {
                bits = decodeIntegers(n, in);
                end = in.position();
            }
            case BOOLEAN -> {
                bits = decodeBooleans(n, in);
                end = in.position();
            }
            case STRING -> {
                strings = decodeStrings(n, in);
                end = in.position();
            }
            default -> throw new IllegalStateException(type.toString());
        }
        if (end != chunk.length) {
            throw new ChunkFormatException((chunk.length - end) + " bytes follow the chunk's last value");
        }
        try {
            return new ChunkPoints(type, timestamps, bits, strings);
        } catch (IllegalArgumentException e) {
            throw new ChunkFormatException("decoded points are not a chunk: " + e.getMessage());
        }
    }

    /** The type a chunk holds, read from its header only. */
    public static FieldType type(byte[] chunk) {
        if (chunk.length < 2 || (chunk[0] & 0xFF) != VERSION) {
            throw new ChunkFormatException("not a chunk of version " + VERSION);
        }
        return typeOf(chunk[1] & 0xFF);
    }

    static int typeCode(FieldType type) {
        return switch (type) {
            case FLOAT -> 1;
            case INTEGER -> 2;
            case UNSIGNED -> 3;
            case BOOLEAN -> 4;
            case STRING -> 5;
        };
    }

    private static FieldType typeOf(int code) {
        return switch (code) {
            case 1 -> FieldType.FLOAT;
            case 2 -> FieldType.INTEGER;
            case 3 -> FieldType.UNSIGNED;
            case 4 -> FieldType.BOOLEAN;
            case 5 -> FieldType.STRING;
            default -> throw new ChunkFormatException("unknown value type code " + code);
        };
    }

    static long zigZag(long value) {
        return (value << 1) ^ (value >> 63);
    }

    static long unZigZag(long value) {
        return (value >>> 1) ^ -(value & 1);
    }

    // Integers and unsigned integers: the difference to the previous value's 64 bits (the first
    // against 0), wrapping, as a zig-zag varint. uint64 is the same 64 bits, so both round-trip exactly.
    private static void encodeIntegers(long[] values, ByteWriter out) {
        long previous = 0;
        for (long value : values) {
            out.writeVarint(zigZag(value - previous));
            previous = value;
        }
    }

    private static long[] decodeIntegers(int n, ByteReader in) {
        var values = new long[n];
        long previous = 0;
        for (int i = 0; i < n; i++) {
            previous += unZigZag(in.readVarint());
            values[i] = previous;
        }
        return values;
    }

    // Booleans: the first value as a byte (0 or 1), then the length of each run of equal values
    // as a varint, the runs alternating in value, their lengths summing to the point count.
    private static void encodeBooleans(long[] values, ByteWriter out) {
        out.writeByte((int) values[0]);
        int run = 1;
        for (int i = 1; i < values.length; i++) {
            if (values[i] == values[i - 1]) {
                run++;
            } else {
                out.writeVarint(run);
                run = 1;
            }
        }
        out.writeVarint(run);
    }

    private static long[] decodeBooleans(int n, ByteReader in) {
        int first = in.readByte();
        if (first > 1) {
            throw new ChunkFormatException("a boolean run starts with 0 or 1, got " + first);
        }
        var values = new long[n];
        long value = first;
        for (int filled = 0; filled < n; ) {
            int run = in.readLength(n - filled, "boolean run");
            if (run == 0) {
                throw new ChunkFormatException("a boolean run is at least one point long");
            }
            for (int i = 0; i < run; i++) {
                values[filled++] = value;
            }
            value ^= 1;
        }
        return values;
    }

    // Strings: a dictionary of the distinct values in order of first appearance (its size, then
    // each as a varint byte length and its UTF-8 bytes), then each point's dictionary index as a varint.
    private static void encodeStrings(String[] values, ByteWriter out) {
        var indexes = new HashMap<String, Integer>();
        var dictionary = new ArrayList<String>();
        var positions = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            positions[i] = indexes.computeIfAbsent(values[i], value -> {
                dictionary.add(value);
                return dictionary.size() - 1;
            });
        }
        out.writeVarint(dictionary.size());
        for (var value : dictionary) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            out.writeVarint(utf8.length);
            out.write(utf8);
        }
        for (int position : positions) {
            out.writeVarint(position);
        }
    }

    private static String[] decodeStrings(int n, ByteReader in) {
        int size = in.readLength(n, "dictionary size");
        var dictionary = new String[size];
        for (int i = 0; i < size; i++) {
            dictionary[i] = in.readUtf8(in.readLength(MAX_STRING_BYTES, "string length"));
        }
        var values = new String[n];
        for (int i = 0; i < n; i++) {
            values[i] = dictionary[in.readLength(size - 1, "dictionary index")];
        }
        return values;
    }
}
