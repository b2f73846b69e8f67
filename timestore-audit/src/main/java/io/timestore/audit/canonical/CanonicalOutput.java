package io.timestore.audit.canonical;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer with the RFC 8785 (JSON Canonicalization Scheme) primitives: string
 * escaping as ECMAScript {@code JSON.stringify} does it and numbers as ECMAScript
 * {@code Number.prototype.toString} prints them. Reusable through {@link #reset()} so the verifier's
 * hot loop allocates nothing per event. Not thread-safe: one instance per thread.
 */
public final class CanonicalOutput {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private byte[] buffer;
    private int size;

    public CanonicalOutput(int initialCapacity) {
        this.buffer = new byte[Math.max(16, initialCapacity)];
    }

    public void reset() {
        size = 0;
    }

    public int size() {
        return size;
    }

    /** The live buffer; only the first {@link #size()} bytes are meaningful. */
    public byte[] buffer() {
        return buffer;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }

    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int): a bulk copy, exactly right for ASCII
    public CanonicalOutput ascii(String s) {
        int n = s.length();
        ensure(n);
        s.getBytes(0, n, buffer, size);
        size += n;
        return this;
    }

    public CanonicalOutput bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buffer, size, b.length);
        size += b.length;
        return this;
    }

    public CanonicalOutput raw(char c) {
        ensure(1);
        buffer[size++] = (byte) c;
        return this;
    }

    /** A JSON string literal, escaped per RFC 8785 §3.2.2.2, encoded as UTF-8. */
    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int): a bulk copy of the plain-ASCII prefix
    public CanonicalOutput string(String s) {
        int n = s.length();
        // Worst case: every char becomes a six-byte escape; UTF-8 needs at most 3 bytes per char.
        ensure(n * 6 + 2);
        byte[] b = buffer;
        int p = size;
        b[p++] = '"';
        // Fast path: most audit strings are printable ASCII without quotes or backslashes.
        int plain = 0;
        while (plain < n) {
            char c = s.charAt(plain);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                break;
            }
            plain++;
        }
        s.getBytes(0, plain, b, p);
        p += plain;
        for (int i = plain; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80) {
                if (c == '"' || c == '\\') {
                    b[p++] = '\\';
                }
                b[p++] = (byte) c;
            } else if (c < 0x20) {
                b[p++] = '\\';
                switch (c) {
                    case '\b' -> b[p++] = 'b';
                    case '\t' -> b[p++] = 't';
                    case '\n' -> b[p++] = 'n';
                    case '\f' -> b[p++] = 'f';
                    case '\r' -> b[p++] = 'r';
                    default -> {
                        b[p++] = 'u';
                        b[p++] = '0';
                        b[p++] = '0';
                        b[p++] = HEX[c >> 4];
                        b[p++] = HEX[c & 0xF];
                    }
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[p++] = (byte) (0xF0 | (cp >> 18));
                b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                // Values are cleaned by EventText.clean before they get here; a lone surrogate has no
                // UTF-8 form, so refusing is the only answer that cannot hash two values alike.
                throw new IllegalArgumentException("lone surrogate in string at index " + i);
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        b[p++] = '"';
        size = p;
        return this;
    }

    public CanonicalOutput stringOrNull(String s) {
        return s == null ? ascii("null") : string(s);
    }

    /** A non-negative or negative integer known to be exactly representable (|v| < 2^53). */
    public CanonicalOutput integer(long v) {
        if (v < 0 || v >= 1_000_000_000L) {
            return ascii(Long.toString(v));
        }
        // Small non-negative values (HTTP statuses): the digits of Long.toString without the String.
        int digits = 1;
        for (long rest = v / 10; rest > 0; rest /= 10) {
            digits++;
        }
        ensure(digits);
        decimal(v, digits);
        return this;
    }

    public CanonicalOutput number(double d) {
        return ascii(formatNumber(d));
    }

    /**
     * ECMAScript {@code Number.prototype.toString(10)} (ECMA-262 §6.1.6.1.20), which RFC 8785
     * §3.2.2.3 requires. Relies on {@link Double#toString(double)} producing the shortest
     * round-tripping digits, which it does since JDK 19 (JDK-4511638).
     */
    public static String formatNumber(double d) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("JSON has no representation for " + d);
        }
        if (d == 0) {
            return "0"; // -0 too
        }
        String javaForm = Double.toString(Math.abs(d));
        int e = javaForm.indexOf('E');
        String mantissa = e < 0 ? javaForm : javaForm.substring(0, e);
        int exponent = e < 0 ? 0 : Integer.parseInt(javaForm.substring(e + 1));
        int dot = mantissa.indexOf('.');
        StringBuilder digits = new StringBuilder(mantissa.length()).append(mantissa, 0, dot).append(mantissa, dot + 1, mantissa.length());
        int n = dot + exponent; // value = 0.<digits> * 10^n
        int lead = 0;
        while (lead < digits.length() - 1 && digits.charAt(lead) == '0') {
            lead++;
        }
        digits.delete(0, lead);
        n -= lead;
        int end = digits.length();
        while (end > 1 && digits.charAt(end - 1) == '0') {
            end--;
        }
        digits.setLength(end);
        if (digits.length() == 2) {
            // Java prints at least two significant digits (4.9E-324 for Double.MIN_VALUE) where
            // ECMAScript wants the shortest: try the one-digit neighbours.
            shortenToOneDigit(digits, Math.abs(d), n);
        }
        int k = digits.length();
        StringBuilder out = new StringBuilder(32);
        if (d < 0) {
            out.append('-');
        }
        if (k <= n && n <= 21) {
            out.append(digits).repeat('0', n - k);
        } else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.").repeat('0', -n).append(digits);
        } else {
            int exp = n - 1;
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            out.append('e').append(exp > 0 ? '+' : '-').append(Math.abs(exp));
        }
        return out.toString();
    }

    private static void shortenToOneDigit(StringBuilder digits, double abs, int n) {
        int two = Integer.parseInt(digits.toString());
        String best = null;
        BigDecimal bestDistance = null;
        for (int one : new int[] {two / 10, two / 10 + 1}) {
            if (one < 1 || one > 9) {
                continue;
            }
            BigDecimal candidate = new BigDecimal(java.math.BigInteger.valueOf(one), 1 - n);
            if (candidate.doubleValue() == abs) {
                BigDecimal distance = candidate.subtract(new BigDecimal(abs)).abs();
                if (bestDistance == null || distance.compareTo(bestDistance) < 0) {
                    best = Integer.toString(one);
                    bestDistance = distance;
                }
            }
        }
        if (best != null) {
            digits.setLength(0);
            digits.append(best);
        }
    }

    /** True when the decimal value survives a round trip through binary64 and back to text. */
    public static boolean isExactBinary64(BigDecimal value) {
        double d = value.doubleValue();
        return Double.isFinite(d) && new BigDecimal(formatNumber(d)).compareTo(value) == 0;
    }

    /** A JSON string of the UUID in its canonical lower-case form, without allocating. */
    public CanonicalOutput uuid(java.util.UUID id) {
        ensure(38);
        buffer[size++] = '"';
        hex(id.getMostSignificantBits() >>> 32, 8);
        buffer[size++] = '-';
        hex(id.getMostSignificantBits() >>> 16, 4);
        buffer[size++] = '-';
        hex(id.getMostSignificantBits(), 4);
        buffer[size++] = '-';
        hex(id.getLeastSignificantBits() >>> 48, 4);
        buffer[size++] = '-';
        hex(id.getLeastSignificantBits(), 12);
        buffer[size++] = '"';
        return this;
    }

    /**
     * A JSON string of the instant in the contract's form ({@code uuuu-MM-ddTHH:mm:ss.SSSSSSZ}),
     * the same text as {@link Timestamps#format}, without a formatter (the verifier's hot path).
     * Years 0001-9999 only, which {@link io.timestore.audit.AuditEvent} enforces.
     */
    public CanonicalOutput timestamp(java.time.Instant instant) {
        long seconds = instant.getEpochSecond();
        long days = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
        long z = days + 719_468L;
        long era = Math.floorDiv(z, 146_097L);
        long doe = z - era * 146_097L;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        ensure(29);
        buffer[size++] = '"';
        decimal(year, 4);
        buffer[size++] = '-';
        decimal(month, 2);
        buffer[size++] = '-';
        decimal(day, 2);
        buffer[size++] = 'T';
        decimal(secondOfDay / 3600, 2);
        buffer[size++] = ':';
        decimal(secondOfDay / 60 % 60, 2);
        buffer[size++] = ':';
        decimal(secondOfDay % 60, 2);
        buffer[size++] = '.';
        decimal(instant.getNano() / 1000, 6);
        buffer[size++] = 'Z';
        buffer[size++] = '"';
        return this;
    }

    private void hex(long value, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            buffer[size + i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
        size += digits;
    }

    private void decimal(long value, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            buffer[size + i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        size += digits;
    }

    private void ensure(int extra) {
        if (size + extra > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + extra));
        }
    }
}
