package io.timestore.server.ingest;

import java.nio.charset.StandardCharsets;

/**
 * Number parsing straight from the request bytes, without building a String for the common case.
 * Each method throws {@link NumberFormatException} for bad syntax or a value out of range.
 */
final class NumberParser {
    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    };

    /** Any 18 digits fit in a long (10^18 - 1 < 2^63 - 1). */
    private static final int MAX_EXACT_DIGITS = 18;

    private NumberParser() {}

    /** Like Go's {@code strconv.ParseInt(s, 10, 64)} for {@code [-]digits} (leading zeros allowed). */
    static long parseLong(byte[] b, int start, int end) {
        int i = start;
        boolean negative = i < end && b[i] == '-';
        if (negative) {
            i++;
        }
        if (i == end) {
            throw new NumberFormatException("no digits");
        }
        if (end - i <= MAX_EXACT_DIGITS) { // cannot overflow: eight digits a step, then one at a time
            long value = 0;
            for (; end - i >= Long.BYTES; i += Long.BYTES) {
                long word = ByteWords.word(b, i);
                if (!ByteWords.eightDigits(word)) {
                    throw new NumberFormatException("not a digit");
                }
                value = value * 100_000_000L + ByteWords.eightDigitsValue(word);
            }
            for (; i < end; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    throw new NumberFormatException("not a digit");
                }
                value = value * 10 + d;
            }
            return negative ? -value : value;
        }
        if (end - i == MAX_EXACT_DIGITS + 1 && !negative) { // a time in nanoseconds since 2001: the first 18 digits, then the last with a check
            long first = parseLong(b, i, end - 1);
            int d = b[end - 1] - '0';
            if (d < 0 || d > 9) {
                throw new NumberFormatException("not a digit");
            }
            if (first > (Long.MAX_VALUE - d) / 10) {
                throw new NumberFormatException("value out of range");
            }
            return first * 10 + d;
        }
        long acc = 0; // accumulated negatively, so Long.MIN_VALUE fits
        for (; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new NumberFormatException("not a digit");
            }
            if (acc < Long.MIN_VALUE / 10 || (acc *= 10) < Long.MIN_VALUE + d) {
                throw new NumberFormatException("value out of range");
            }
            acc -= d;
        }
        if (!negative) {
            if (acc == Long.MIN_VALUE) {
                throw new NumberFormatException("value out of range");
            }
            return -acc;
        }
        return acc;
    }

    /** Like Go's {@code strconv.ParseUint(s, 10, 64)}: the uint64 in a long's 64 bits. */
    static long parseUnsignedLong(byte[] b, int start, int end) {
        if (start == end) {
            throw new NumberFormatException("no digits");
        }
        long acc = 0;
        for (int i = start; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new NumberFormatException("not a digit");
            }
            if (Long.compareUnsigned(acc, 0x1999_9999_9999_9999L) > 0) { // (2^64 - 1) / 10
                throw new NumberFormatException("value out of range");
            }
            long next = acc * 10 + d;
            if (Long.compareUnsigned(next, acc * 10) < 0) {
                throw new NumberFormatException("value out of range");
            }
            acc = next;
        }
        return acc;
    }

    /**
     * Like Go's {@code strconv.ParseFloat(s, 64)} for decimal input: {@code [-]digits[.digits][(e|E)[+|-]digits]}
     * with at least one mantissa digit. Out of float64 range is an error, as in Go; underflow
     * rounds to zero. Exact inputs of up to 15 significant digits with a small exponent are
     * computed directly (one correctly rounded multiplication or division, Clinger's fast path);
     * the rest go through {@link Double#parseDouble}, which rounds correctly too.
     */
    static double parseDouble(byte[] b, int start, int end) {
        int i = start;
        boolean negative = i < end && b[i] == '-';
        if (negative) {
            i++;
        }
        long mantissa = 0;
        int significant = 0;
        int digits = 0;
        int exponent = 0;
        boolean dot = false;
        boolean truncated = false;
        for (; i < end; i++) {
            byte c = b[i];
            if (c >= '0' && c <= '9') {
                digits++;
                if (mantissa == 0 && c == '0') {
                    if (dot) {
                        exponent--;
                    }
                } else if (significant < 18) {
                    mantissa = mantissa * 10 + (c - '0');
                    significant++;
                    if (dot) {
                        exponent--;
                    }
                } else {
                    truncated = true;
                    if (!dot) {
                        exponent++;
                    }
                }
            } else if (c == '.' && !dot) {
                dot = true;
            } else if (c == 'e' || c == 'E') {
                break;
            } else {
                throw new NumberFormatException("invalid syntax");
            }
        }
        if (digits == 0) {
            throw new NumberFormatException("invalid syntax");
        }
        if (i < end) { // exponent
            i++;
            boolean negativeExponent = i < end && b[i] == '-';
            if (i < end && (b[i] == '-' || b[i] == '+')) {
                i++;
            }
            if (i == end) {
                throw new NumberFormatException("invalid syntax");
            }
            int e = 0;
            for (; i < end; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    throw new NumberFormatException("invalid syntax");
                }
                e = Math.min(e * 10 + d, 100_000); // far beyond float64's range either way
            }
            exponent += negativeExponent ? -e : e;
        }
        if (mantissa == 0) {
            return negative ? -0.0 : 0.0;
        }
        if (!truncated && significant <= 15 && exponent >= -22 && exponent <= 22) {
            double value = exponent < 0 ? mantissa / POWERS_OF_TEN[-exponent] : mantissa * POWERS_OF_TEN[exponent];
            return negative ? -value : value;
        }
        double value = Double.parseDouble(new String(b, start, end - start, StandardCharsets.ISO_8859_1));
        if (Double.isInfinite(value)) {
            throw new NumberFormatException("value out of range");
        }
        return value;
    }
}
