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
    void hashes_any_range_of_bytes_as_arrays_hash_code_hashes_a_copy_of_it() {
        var random = new java.util.Random(23);
        var bytes = new byte[64];
        random.nextBytes(bytes); // negative bytes too: each is added sign-extended, as Arrays.hashCode adds it
        for (int start = 0; start < 16; start++) {
            for (int end = start; end <= bytes.length; end++) {
                assertThat(SeriesCache.hash(bytes, start, end)).as("[%d, %d)", start, end)
                        .isEqualTo(java.util.Arrays.hashCode(java.util.Arrays.copyOfRange(bytes, start, end)));
            }
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
