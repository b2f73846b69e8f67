package io.timestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.problems.ProblemType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The docs are part of the contract: every error code and every setting is documented. */
class DocumentationTest {
    private static String doc(String name) throws IOException {
        return Files.readString(Path.of("..", "docs", name));
    }

    @Test
    void every_problem_code_is_listed_in_errors_md_with_its_status() throws IOException {
        var errors = doc("errors.md");

        assertThat(Arrays.stream(ProblemType.values()))
                .allSatisfy(type -> assertThat(errors).contains("| `%s` | %d |".formatted(type.code(), type.status())));
    }

    @Test
    void every_authentication_failure_code_is_listed_in_errors_md_with_its_status() throws IOException {
        var errors = doc("errors.md");

        assertThat(Arrays.stream(io.timestore.security.AuthenticationFailure.Reason.values()))
                .allSatisfy(reason -> assertThat(errors).contains("| `%s` | %d |".formatted(reason.code(), reason.httpStatus())));
    }

    @Test
    void every_setting_and_its_environment_variable_is_in_configuration_md() throws IOException {
        var configuration = doc("configuration.md");

        assertThat(io.timestore.server.config.SettingKeys.documented())
                .allSatisfy(key -> assertThat(configuration).contains("`" + key + "`"));
    }
}
