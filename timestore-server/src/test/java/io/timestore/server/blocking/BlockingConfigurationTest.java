package io.timestore.server.blocking;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
        var config = dir.resolve("timestore.yaml");
        Files.writeString(config, yaml.translateEscapes());
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();

        int code = Main.run(new String[] {"serve", "--port", "0", "--data-dir", dir.resolve("data").toString(), "--config", config.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());

        var text = err.toString(StandardCharsets.UTF_8).strip();
        assertThat(code).as(text).isEqualTo(2);
        assertThat(text).startsWith("timestore: invalid configuration: " + message).doesNotContain("\n");
    }
}
