package io.timestore.audit.tlog;

import java.util.List;

/**
 * Compact ranges (transparency-dev/merkle {@code compact}): the fewest complete subtrees whose
 * leaves are exactly {@code [begin, end)}. A range that starts at 0 holds one subtree per one bit of
 * {@code end}, largest first: the right edge of the tree of size {@code end}.
 */
final class Ranges {
    private Ranges() {}

    /**
     * Appends to {@code out} the ids of the compact range {@code [begin, end)}, left to right
     * (rising levels on its left border, then falling levels on its right border).
     */
    static void appendNodes(long begin, long end, List<NodeId> out) {
        long[] parts = decompose(begin, end);
        long left = parts[0];
        long right = parts[1];
        long position = begin;
        while (left != 0) {
            int level = Long.numberOfTrailingZeros(left);
            out.add(new NodeId(level, position >>> level));
            position += 1L << level;
            left &= left - 1;
        }
        while (right != 0) {
            int level = 63 - Long.numberOfLeadingZeros(right);
            out.add(new NodeId(level, position >>> level));
            position += 1L << level;
            right ^= 1L << level;
        }
    }

    /** How many nodes {@link #appendNodes} appends for {@code [begin, end)}. */
    static int size(long begin, long end) {
        long[] parts = decompose(begin, end);
        return Long.bitCount(parts[0]) + Long.bitCount(parts[1]);
    }

    /**
     * Splits {@code [begin, end)} into subranges of power-of-two sizes aligned to their size: the
     * one bits of the first mask (low to high) are the left part's sizes, those of the second (high
     * to low) the right part's.
     */
    private static long[] decompose(long begin, long end) {
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("a range needs 0 <= begin <= end (found [%d, %d))".formatted(begin, end));
        }
        if (begin == 0) {
            return new long[] {0, end};
        }
        long last = begin - 1;
        // Only the nodes strictly below the point where the paths to leaves begin-1 and end
        // diverge lie inside the range.
        int diverge = 63 - Long.numberOfLeadingZeros(last ^ end);
        long mask = (1L << diverge) - 1;
        return new long[] {~last & mask, end & mask};
    }
}
