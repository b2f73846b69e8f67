package io.timestore.server.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DatasetIdTest {
    @Test
    void accepts_lower_case_letters_digits_and_dot_dash_underscore_up_to_128_characters() {
        assertThat(DatasetId.parse("cpu")).contains(new DatasetId("cpu"));
        assertThat(DatasetId.isValid("a0_.-z")).isTrue();
        assertThat(DatasetId.isValid("x".repeat(128))).isTrue();
        assertThat(DatasetId.isValid("7")).isTrue();
    }

    @Test
    void refuses_empty_upper_case_leading_punctuation_too_long_and_null() {
        assertThat(DatasetId.parse("")).isEmpty();
        assertThat(DatasetId.isValid("Cpu")).isFalse();
        assertThat(DatasetId.isValid("_cpu")).isFalse();
        assertThat(DatasetId.isValid("x".repeat(129))).isFalse();
        assertThat(DatasetId.isValid("a/b")).isFalse();
        assertThat(DatasetId.isValid(null)).isFalse();
        var e = assertThrows(IllegalArgumentException.class, () -> new DatasetId("Bad"));
        assertThat(e.getMessage()).isEqualTo("dataset id must match ^[a-z0-9][a-z0-9_.-]{0,127}$");
    }
}
