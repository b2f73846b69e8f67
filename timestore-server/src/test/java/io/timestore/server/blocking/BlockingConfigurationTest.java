package io.timestore.server.blocking;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.RefusedStart;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad automatic-blocking settings stop startup with exit code 2 and one line naming the setting. */
class BlockingConfigurationTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            threshold of 0       | 'auth:\\n  blocking:\\n    threshold: 0\\n'          | auth.blocking.threshold: '0' (from
            negative window      | 'auth:\\n  blocking:\\n    window: -5m\\n'           | auth.blocking.window:
            zero duration        | 'auth:\\n  blocking:\\n    duration: 0s\\n'          | auth.blocking.duration: '0s' (from
            cache TTL too long   | 'auth:\\n  blocking:\\n    cache-ttl: 1h\\n'         | auth.blocking.cache-ttl: '1h' (from
            enabled misspelled   | 'auth:\\n  blocking:\\n    enabled: yes-please\\n'   | auth.blocking.enabled:
            proxy by host name   | 'server:\\n  trusted-proxies: [lb.internal]\\n'      | server.trusted-proxies: 'lb.internal' is not an IP address or CIDR block
            """)
    void a_bad_blocking_setting_exits_2_naming_the_setting(String what, String yaml, String message) throws IOException {
        var run = RefusedStart.withConfig(dir, yaml.translateEscapes());

        var text = run.err();
        assertThat(run.exitCode()).as(text).isEqualTo(2);
        assertThat(text).startsWith("timestore: invalid configuration: " + message).doesNotContain("\n");
    }
}
