package io.timestore.server.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.influxql.Statement.Fill;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WindowFillTest {
    private static final Windows TEN = Windows.utc(10);

    @Test
    void fill_none_lists_each_window_with_a_value_once_in_time_order_within_the_range() {
        var first = new HashMap<Long, Object>(Map.of(50L, 5.0, 10L, 1.0, 30L, 3.0, 90L, 9.0, -10L, -1.0));
        var second = new HashMap<Long, Object>(Map.of(30L, 33L, 20L, 22L, 70L, 77L));
        second.put(40L, null);

        var rows = WindowFill.windows(List.of(first, second), 0, 80, TEN, new Fill.None(), 100);

        assertThat(rows).containsExactly(
                Arrays.asList(10L, 1.0, null),
                Arrays.asList(20L, null, 22L),
                Arrays.asList(30L, 3.0, 33L),
                Arrays.asList(50L, 5.0, null),
                Arrays.asList(70L, null, 77L));
    }

    @Test
    void fill_linear_interpolates_between_the_nearest_windows_with_values_and_leaves_the_edges_empty() {
        var column = new HashMap<Long, Object>(Map.of(10L, 1.0, 40L, 4.0));

        var rows = WindowFill.windows(List.of(column), 0, 60, TEN, new Fill.Linear(), 100);

        assertThat(rows).containsExactly(
                Arrays.asList(0L, null),
                Arrays.asList(10L, 1.0),
                Arrays.asList(20L, 2.0),
                Arrays.asList(30L, 3.0),
                Arrays.asList(40L, 4.0),
                Arrays.asList(50L, null));
    }

    @Test
    void fill_null_lists_every_window_of_the_range() {
        var column = new HashMap<Long, Object>(Map.of(20L, 2.0));

        var rows = WindowFill.windows(List.of(column), 0, 40, TEN, new Fill.Null(), 100);

        assertThat(rows).containsExactly(Arrays.asList(0L, null), Arrays.asList(10L, null), Arrays.asList(20L, 2.0),
                Arrays.asList(30L, null));
    }
}
