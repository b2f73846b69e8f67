package io.timestore.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.RefusedStart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A bad audit sink entry stops startup with exit code 2 and one line naming the setting. */
class DeliveryConfigurationTest {
    @TempDir
    Path dir;

    private RefusedStart serve(String sinksYaml) throws IOException {
        return RefusedStart.withConfig(dir, "audit:\n  delivery:\n    sinks:\n" + sinksYaml);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown type         | '      - {name: siem, type: carrier-pigeon}\\n'                                      | audit.delivery.sinks[0].type: unknown sink type 'carrier-pigeon' (known: [file, kafka, webhook])
            missing type         | '      - {name: siem, path: out}\\n'                                                 | audit.delivery.sinks[0].type: a value is required
            missing name         | '      - {type: file, path: out}\\n'                                                 | audit.delivery.sinks[0].name: a value is required
            missing path         | '      - {name: siem, type: file}\\n'                                                | audit.delivery.sinks[0].path: a value is required for a file sink
            duplicate name       | '      - {name: siem, type: file, path: a}\\n      - {name: siem, type: file, path: b}\\n' | audit.delivery.sinks[1].name: 'siem' names two sinks
            unknown option       | '      - {name: siem, type: file, path: out, rotate-every: 1h}\\n'                   | audit.delivery.sinks[0].rotate-every: unknown option of a file sink
            bad size             | '      - {name: siem, type: file, path: out, rotate-size: huge}\\n'                  | audit.delivery.sinks[0].rotate-size: 'huge' must be a size in bytes
            bad layout           | '      - {name: siem, type: file, path: out, layout: sideways}\\n'                   | audit.delivery.sinks[0].layout: 'sideways' must be one of [per-partition, shared]
            bad start            | '      - {name: siem, type: file, path: out, start: yesterday}\\n'                   | audit.delivery.sinks[0].start: 'yesterday' must be one of [earliest, latest]
            bad format           | '      - {name: siem, type: file, path: out, format: xml}\\n'                        | audit.delivery.sinks[0].format: must be timestore or ocsf (found "xml")
            webhook, no secret   | '      - {name: hook, type: webhook, url: "https://siem.example.com/in"}\\n'      | audit.delivery.sinks[0].secret: a value is required for a webhook sink
            webhook, ftp URL     | '      - {name: hook, type: webhook, url: "ftp://siem.example.com/in", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}\\n' | audit.delivery.sinks[0].url: the URL must be https (found "ftp"; http needs allow-http)
            kafka, no servers    | '      - {name: bus, type: kafka, topic: audit}\\n'                                 | audit.delivery.sinks[0].bootstrap-servers: a value is required for a kafka sink
            not a list           | '      siem: file\\n'                                                                | audit.delivery.sinks: must be a list of sinks
            """)
    void a_bad_sink_entry_exits_2_naming_the_setting(String what, String yaml, String message) throws IOException {
        var result = serve(yaml.translateEscapes());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err().strip()).startsWith("timestore: invalid configuration: " + message).doesNotContain("\n");
    }

    @ParameterizedTest(name = "pool-size {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            1    | '1' (from %s) must be between 2 and 1000
            1001 | '1001' (from %s) must be between 2 and 1000
            six  | 'six' (from %s) must be an integer between 2 and 1000
            """)
    void a_delivery_pool_size_out_of_range_exits_2_naming_the_setting(String value, String rule) throws IOException {
        var fromFile = RefusedStart.withConfig(dir, "audit:\n  delivery:\n    pool-size: " + value + "\n");
        var fromEnvironment = RefusedStart.withEnvironment(dir, java.util.Map.of("TIMESTORE_AUDIT_DELIVERY_POOL_SIZE", value));

        assertThat(fromFile.exitCode()).as(fromFile.err()).isEqualTo(2);
        assertThat(fromFile.err().strip()).startsWith("timestore: invalid configuration: audit.delivery.pool-size: ")
                .endsWith(rule.formatted(dir.resolve("timestore.yaml"))).doesNotContain("\n");
        assertThat(fromEnvironment.exitCode()).as(fromEnvironment.err()).isEqualTo(2);
        assertThat(fromEnvironment.err().strip()).isEqualTo("timestore: invalid configuration: audit.delivery.pool-size: "
                + rule.formatted("TIMESTORE_AUDIT_DELIVERY_POOL_SIZE"));
    }

    @Test
    void a_path_that_is_not_a_writable_directory_exits_2_naming_it() throws IOException {
        var file = Files.writeString(dir.resolve("a-file"), "not a directory");

        var result = serve("      - {name: siem, type: file, path: '" + file + "'}\n");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err().strip()).startsWith("timestore: invalid configuration: audit.delivery.sinks[0].path: " + file
                + " is not a writable directory");
    }
}
