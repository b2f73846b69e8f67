package io.timestore.server.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.timestore.server.points.Tag;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * The series (measurement and sorted tags) of recently seen series keys, keyed by the raw bytes of
 * the key as written on the line, shared by every parse of one {@link LineProtocolParser}. Points
 * mostly belong to few series, within a batch and from one batch to the next, so a hit skips
 * unescaping, String building, sorting and duplicate checks and lets those points share one tag
 * list. Thread-safe; bounded by {@code points.series-cache-size} entries (Caffeine's size-based
 * eviction) and a cap on key length.
 *
 * <p>A series is a function of its key's bytes alone (a key that fails a check is never cached),
 * so an entry tells one tenant nothing about another: the same bytes from anyone give the same
 * series.
 */
final class SeriesCache {
    /**
     * A measurement and its sorted tags, with the tag set as the JSON {@link Tag#json} writes (the
     * key the store looks series up by): built once per series key the cache holds, not once per write.
     */
    record Series(String measurement, List<Tag> tags, String tagsJson) {
        Series(String measurement, List<Tag> tags) {
            this(measurement, tags, Tag.json(tags));
        }
    }

    /** Keys longer than this are not cached: rare, and each would pin that many bytes. */
    private static final int MAX_KEY_BYTES = 1024;
    private static final long SEED = new SecureRandom().nextLong();

    private final Cache<Key, Series> cache;

    /** A cache of at most {@code maximumSize} series. */
    SeriesCache(int maximumSize) {
        if (maximumSize < 1) {
            throw new IllegalArgumentException("maximumSize must be positive, got " + maximumSize);
        }
        this.cache = Caffeine.newBuilder().maximumSize(maximumSize).build();
    }

    /** The cached series of key {@code b[start, end)}, or null. */
    Series find(byte[] b, int start, int end) {
        return find(b, start, end, hash(b, start, end));
    }

    /** As {@link #find(byte[], int, int)}, given the key's {@link #hash}. */
    Series find(byte[] b, int start, int end, int hash) {
        return end - start > MAX_KEY_BYTES ? null : cache.getIfPresent(new Key(b, start, end, hash));
    }

    /**
     * The hash of key {@code b[start, end)}, a function of those bytes alone (not of where they
     * lie). Eight bytes a step, each step one multiply and a shift (the key is hashed once per
     * line; 31 times the hash plus each byte was a multiply's latency every byte or four). Seeded
     * per process, and the length mixed in before the first word, so the fixed collisions of a
     * 31-polynomial (such as "Aa" and "BB") are gone; a collision costs a comparison of the key's
     * bytes, never a wrong series.
     */
    static int hash(byte[] b, int start, int end) {
        long h = mix(SEED ^ (end - start));
        int i = start;
        for (; end - i > Long.BYTES; i += Long.BYTES) {
            h = mix(h ^ ByteWords.word(b, i));
        }
        long last = 0; // the last 1 to 8 bytes; from 8 bytes on, a word that may overlap the one before
        if (end - start >= Long.BYTES) {
            last = ByteWords.word(b, end - Long.BYTES);
        } else {
            for (; i < end; i++) {
                last = last << 8 | (b[i] & 0xFF);
            }
        }
        h = mix(h ^ last);
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long h) {
        long x = h * 0x9E37_79B9_7F4A_7C15L; // 2^64 divided by the golden ratio, odd: every bit reaches the bits above it
        return x ^ (x >>> 29); // and the high bits back down
    }

    /** Remembers {@code value} for key {@code b[start, end)} (a copy of those bytes). */
    void put(byte[] b, int start, int end, Series value) {
        if (end - start <= MAX_KEY_BYTES) {
            cache.put(new Key(Arrays.copyOfRange(b, start, end), 0, end - start, hash(b, start, end)), value);
        }
    }

    /** How many series it holds, after evicting what its size requires (for tests). */
    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /**
     * Bytes {@code [start, end)} of an array, compared by content: a lookup reads the request body
     * in place, a stored key owns a copy.
     */
    private static final class Key {
        private final byte[] bytes;
        private final int start;
        private final int end;
        private final int hash;

        Key(byte[] bytes, int start, int end, int hash) {
            this.bytes = bytes;
            this.start = start;
            this.end = end;
            this.hash = hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && key.hash == hash && Arrays.equals(bytes, start, end, key.bytes, key.start, key.end);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
