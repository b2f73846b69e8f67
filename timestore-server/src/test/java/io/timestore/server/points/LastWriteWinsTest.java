package io.timestore.server.points;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Of several writes of one series at one time, the last written survives; the survivors come by ascending time. */
class LastWriteWinsTest {
    @Test
    void the_last_write_of_each_time_survives_in_ascending_time() {
        long[] times = {5, 3, 5, 1, 3};

        assertThat(LastWriteWins.survivors(times, times.length)).containsExactly(3, 4, 2);
    }

    @Test
    void only_the_first_size_writes_count() {
        long[] times = {2, 1, 1, 0, 0, 0};

        assertThat(LastWriteWins.survivors(times, 3)).containsExactly(2, 0);
        assertThat(LastWriteWins.survivors(times, 0)).isEmpty();
    }
}
