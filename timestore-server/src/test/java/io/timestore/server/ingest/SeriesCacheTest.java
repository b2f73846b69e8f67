package io.timestore.server.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.points.Tag;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeriesCacheTest {
    private static SeriesCache.Series series(int host) {
        return new SeriesCache.Series("cpu", List.of(new Tag("host", "h" + host)));
    }

    @Test
    void finds_a_series_by_the_bytes_of_its_key_wherever_they_lie_in_the_body() {
        var cache = new SeriesCache(10);
        var stored = "xxcpu,host=h1 usage=1".getBytes(UTF_8);
        cache.put(stored, 2, 13, series(1));

        var body = "cpu,host=h1 usage=2\ncpu,host=h2 usage=3".getBytes(UTF_8);
        assertThat(cache.find(body, 0, 11)).isEqualTo(series(1));
        assertThat(cache.find(body, 20, 31)).isNull();
        stored[4] = 'X'; // the cache kept a copy of the key, not the caller's array
        assertThat(cache.find(body, 0, 11)).isEqualTo(series(1));
    }

    @Test
    void hashes_a_key_by_its_bytes_alone_wherever_they_lie() {
        var random = new java.util.Random(23);
        var bytes = new byte[64];
        random.nextBytes(bytes); // negative bytes too
        for (int start = 0; start < 16; start++) {
            for (int end = start; end <= bytes.length; end++) {
                var copy = new byte[end - start + 11];
                System.arraycopy(bytes, start, copy, 5, end - start);
                assertThat(SeriesCache.hash(copy, 5, 5 + end - start)).as("[%d, %d)", start, end)
                        .isEqualTo(SeriesCache.hash(bytes, start, end));
            }
        }
    }

    @Test
    void hashes_keys_that_differ_in_one_byte_or_in_length_apart() {
        var hashes = new java.util.HashSet<Integer>();
        var zeros = new byte[40];
        for (int length = 0; length <= zeros.length; length++) {
            assertThat(hashes.add(SeriesCache.hash(zeros, 0, length))).as("%d zero bytes", length).isTrue();
        }
        var key = "cpu,host=h00,region=eu-west-1".getBytes(UTF_8);
        for (int at = 0; at < key.length; at++) {
            byte original = key[at];
            key[at] ^= 1;
            assertThat(hashes.add(SeriesCache.hash(key, 0, key.length))).as("byte %d changed", at).isTrue();
            key[at] = original;
        }
    }

    @Test
    void a_key_longer_by_a_byte_does_not_cancel_its_length_with_its_first_byte() {
        // Were the length and the first word mixed as one, these eight keys (first byte 0x70 ^
        // length, the same second and last words) would hash alike whatever the seed.
        var hashes = new java.util.HashSet<Integer>();
        for (int length = 17; length <= 24; length++) {
            var key = ((char) (0x70 ^ length) + "pu,host=" + "x".repeat(length - 10) + "z").getBytes(UTF_8);
            assertThat(key).hasSize(length);
            assertThat(hashes.add(SeriesCache.hash(key, 0, key.length))).as("length %d", length).isTrue();
        }
    }

    @Test
    void holds_at_most_its_configured_size() {
        var cache = new SeriesCache(10);
        for (int host = 0; host < 1_000; host++) {
            var key = ("cpu,host=h" + host).getBytes(UTF_8);
            cache.put(key, 0, key.length, series(host));
        }

        assertThat(cache.size()).isBetween(1L, 10L);
    }

    @Test
    void does_not_cache_keys_over_1_kib() {
        var cache = new SeriesCache(10);
        var key = ("cpu,host=" + "h".repeat(1_100)).getBytes(UTF_8);
        cache.put(key, 0, key.length, series(1));

        assertThat(cache.find(key, 0, key.length)).isNull();
        assertThat(cache.size()).isZero();
    }
}
