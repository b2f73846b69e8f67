package io.timestore.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.RefusedStart;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad rate-limit and quota settings stop startup with exit code 2 and one line naming the setting. */
class LimitConfigurationTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            negative tenant rate       | 'limits:\\n  tenant:\\n    requests-per-second: -1\\n'   | limits.tenant.requests-per-second: '-1' (from
            negative tenant burst      | 'limits:\\n  tenant:\\n    request-burst: -10\\n'        | limits.tenant.request-burst: '-10' (from
            negative credential rate   | 'limits:\\n  credential:\\n    requests-per-second: -5\\n' | limits.credential.requests-per-second: '-5' (from
            negative points rate       | 'limits:\\n  tenant:\\n    points-per-second: -100\\n'   | limits.tenant.points-per-second: '-100' (from
            negative series quota      | 'limits:\\n  tenant:\\n    max-series: -1\\n'            | limits.tenant.max-series: '-1' (from
            rate not a number          | 'limits:\\n  tenant:\\n    points-per-second: lots\\n'   | limits.tenant.points-per-second: 'lots' (from
            zero cache ttl             | 'limits:\\n  cache-ttl: 0s\\n'                           | limits.cache-ttl: '0s' (from
            """)
    void a_bad_limit_setting_exits_2_naming_the_setting(String what, String yaml, String message) throws IOException {
        var run = RefusedStart.withConfig(dir, yaml.translateEscapes());

        var text = run.err();
        assertThat(run.exitCode()).as(text).isEqualTo(2);
        assertThat(text).startsWith("timestore: invalid configuration: " + message).doesNotContain("\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            negative tenant rate from the environment | TIMESTORE_LIMITS_TENANT_REQUESTS_PER_SECOND | limits.tenant.requests-per-second: '-3' (from TIMESTORE_LIMITS_TENANT_REQUESTS_PER_SECOND)
            negative series quota from the environment | TIMESTORE_LIMITS_TENANT_MAX_SERIES        | limits.tenant.max-series: '-3' (from TIMESTORE_LIMITS_TENANT_MAX_SERIES)
            """)
    void a_negative_limit_in_the_environment_exits_2_naming_the_setting(String what, String variable, String message) {
        var run = RefusedStart.withEnvironment(dir, Map.of(variable, "-3"));

        var text = run.err();
        assertThat(run.exitCode()).as(text).isEqualTo(2);
        assertThat(text).startsWith("timestore: invalid configuration: " + message).doesNotContain("\n");
    }
}
