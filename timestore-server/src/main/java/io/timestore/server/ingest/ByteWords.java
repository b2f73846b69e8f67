package io.timestore.server.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Eight bytes of a request body as one {@code long}, for the parser's scans (docs/data-plane.md,
 * "Write path"): the byte at the lower index is the lower byte, so the first byte of a match is
 * the lowest flagged one. Each method is exact, not a filter with false positives.
 */
final class ByteWords {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGHS = 0x8080_8080_8080_8080L;

    private ByteWords() {}

    /** Bytes {@code b[i, i + 8)}; the caller has checked that they lie inside its range. */
    static long word(byte[] b, int i) {
        return (long) LONG.get(b, i);
    }

    /**
     * A mask with the high bit of the lowest byte of {@code word} that equals {@code value} set,
     * or 0 if none does. Bytes above the lowest match may be flagged too (a borrow runs up from
     * a match), never bytes below it: {@link Long#numberOfTrailingZeros} of the mask, divided by
     * 8, is the match's position, also for the OR of several such masks.
     */
    static long lowestEqual(long word, byte value) {
        long x = word ^ (ONES * (value & 0xFF));
        return (x - ONES) & ~x & HIGHS;
    }

    /** The position (0 to 7) of the lowest byte flagged in a non-zero mask of {@link #lowestEqual}. */
    static int position(long mask) {
        return Long.numberOfTrailingZeros(mask) >>> 3;
    }

    /** Whether all eight bytes of {@code word} are ASCII digits. */
    static boolean eightDigits(long word) {
        return ((word & 0xF0F0_F0F0_F0F0_F0F0L) | (((word + 0x0606_0606_0606_0606L) & 0xF0F0_F0F0_F0F0_F0F0L) >>> 4))
                == 0x3333_3333_3333_3333L;
    }

    /**
     * The value of eight ASCII digits ({@link #eightDigits}), the lowest byte the most significant
     * digit: pairs, then fours, then all eight combined by multiplication (as fast_float's
     * {@code parse_eight_digits_unrolled}) instead of eight dependent steps of {@code 10 * v + d}.
     */
    static long eightDigitsValue(long word) {
        long v = word - 0x3030_3030_3030_3030L;
        v = v * 10 + (v >>> 8);
        return (((v & 0x0000_00FF_0000_00FFL) * (100 + (1_000_000L << 32)))
                + (((v >>> 16) & 0x0000_00FF_0000_00FFL) * (1 + (10_000L << 32)))) >>> 32;
    }
}
