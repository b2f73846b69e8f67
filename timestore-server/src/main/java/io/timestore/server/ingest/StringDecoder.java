package io.timestore.server.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns byte ranges of the body into Strings: unescaping as InfluxDB 2.x does, checking UTF-8, and
 * reusing Strings for names that repeat. One instance per parse call; not thread-safe.
 *
 * <p>Why Strings are reused: a batch repeats the same few measurement, tag and field names on
 * every line. A small direct-mapped cache keyed by the raw bytes gives each distinct name one
 * String per request instead of one per line. It is bounded (fixed slots, short names only) and
 * lives only as long as the parse call, so nothing is interned globally.
 */
final class StringDecoder {
    /** InfluxDB 2.x {@code escape.Unescape}: measurement names and field keys. */
    static final int NAME = 0;
    /** InfluxDB 2.x {@code unescapeTag}: tag keys and values. */
    static final int TAG = 1;
    /** InfluxDB 2.x {@code unescapeStringField}: only {@code \"} and {@code \\}; other escapes stay as written. */
    static final int STRING = 2;

    private static final int SLOTS = 512; // per kind; power of two
    private static final int MAX_CACHED_LENGTH = 64;

    private final byte[][][] cachedBytes = new byte[2][SLOTS][];
    private final String[][] cachedStrings = new String[2][SLOTS];
    private byte[] scratch = new byte[256];

    /**
     * The unescaped text of {@code b[start, end)}.
     *
     * @throws LineSyntaxException if the text is not valid UTF-8 or holds a NUL byte
     */
    String decode(byte[] b, int start, int end, int kind, String what) {
        return decode(b, start, end, kind, what, null);
    }

    /** As {@link #decode(byte[], int, int, int, String)}; an error names {@code what 'name'} when {@code name} is not null. */
    String decode(byte[] b, int start, int end, int kind, String what, String name) {
        int length = end - start;
        if (kind != STRING && length <= MAX_CACHED_LENGTH) {
            int hash = 0;
            for (int i = start; i < end; i++) {
                hash = 31 * hash + b[i];
            }
            int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
            byte[] key = cachedBytes[kind][slot];
            if (key != null && Arrays.equals(key, 0, key.length, b, start, end)) {
                return cachedStrings[kind][slot];
            }
            String value = decodeUncached(b, start, end, kind, what, name);
            cachedBytes[kind][slot] = Arrays.copyOfRange(b, start, end);
            cachedStrings[kind][slot] = value;
            return value;
        }
        return decodeUncached(b, start, end, kind, what, name);
    }

    private String decodeUncached(byte[] b, int start, int end, int kind, String what, String name) {
        boolean ascii = true;
        boolean escaped = false;
        for (int i = start; i < end; i++) {
            byte c = b[i];
            if (c < 0) {
                ascii = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == 0) {
                // PostgreSQL text cannot hold U+0000: refuse it here with a precise error rather
                // than fail the whole transaction later. (InfluxDB 2.x would accept it.)
                throw new LineSyntaxException("%s contains a NUL byte, which cannot be stored".formatted(subject(what, name)));
            }
        }
        if (!ascii && !Utf8.isValid(b, start, end)) {
            throw new LineSyntaxException("%s is not valid UTF-8".formatted(subject(what, name)));
        }
        if (!escaped) {
            return new String(b, start, end - start, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }
        int n = unescape(b, start, end, kind);
        return new String(scratch, 0, n, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    private static String subject(String what, String name) {
        return name == null ? what : what + " '" + name + "'";
    }

    /** Unescapes into {@link #scratch}, left to right, each backslash pair at most once; returns the length. */
    private int unescape(byte[] b, int start, int end, int kind) {
        if (scratch.length < end - start) {
            scratch = new byte[Math.max(end - start, scratch.length * 2)];
        }
        byte[] out = scratch;
        int n = 0;
        for (int i = start; i < end; i++) {
            byte c = b[i];
            if (c == '\\' && i + 1 < end && unescapes(kind, b[i + 1])) {
                out[n++] = b[++i];
            } else {
                out[n++] = c;
            }
        }
        return n;
    }

    private static boolean unescapes(int kind, byte next) {
        return switch (kind) {
            case NAME -> next == ',' || next == ' ' || next == '=' || next == '"';
            case TAG -> next == ',' || next == ' ' || next == '=';
            default -> next == '"' || next == '\\';
        };
    }

    /**
     * Up to 64 bytes of {@code b[start, end)} for an error message: never failing on bad UTF-8,
     * control characters shown as {@code \xNN} so that a stray CR is visible.
     */
    static String excerpt(byte[] b, int start, int end) {
        int limit = Math.min(end, start + 64);
        String text = new String(b, start, limit - start, StandardCharsets.UTF_8);
        var out = new StringBuilder(text.length() + 3);
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c < 0x20 || c == 0x7F) {
                out.append("\\x%02x".formatted((int) c));
            } else {
                out.append(c);
            }
        }
        return limit < end ? out.append("...").toString() : out.toString();
    }

    /** Strict UTF-8 validation (no overlong forms, no surrogates, nothing above U+10FFFF). */
    static final class Utf8 {
        private Utf8() {}

        static boolean isValid(byte[] b, int start, int end) {
            int i = start;
            while (i < end) {
                int c = b[i] & 0xFF;
                if (c < 0x80) {
                    i++;
                    continue;
                }
                int need;
                int min;
                if (c >= 0xC2 && c <= 0xDF) {
                    need = 1;
                    min = 0x80;
                } else if (c >= 0xE0 && c <= 0xEF) {
                    need = 2;
                    min = 0x800;
                } else if (c >= 0xF0 && c <= 0xF4) {
                    need = 3;
                    min = 0x10000;
                } else {
                    return false;
                }
                if (i + need >= end) {
                    return false;
                }
                int cp = c & (0x3F >> need);
                for (int k = 1; k <= need; k++) {
                    int cc = b[i + k] & 0xFF;
                    if ((cc & 0xC0) != 0x80) {
                        return false;
                    }
                    cp = (cp << 6) | (cc & 0x3F);
                }
                if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    return false;
                }
                i += need + 1;
            }
            return true;
        }
    }
}
