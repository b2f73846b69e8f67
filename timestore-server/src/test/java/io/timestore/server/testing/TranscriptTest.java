package io.timestore.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.server.testing.Transcript.SourceFile;
import io.timestore.server.testing.Transcript.Step;
import org.junit.jupiter.api.Test;

/** The reading of a Markdown walkthrough that ReadmeFirstSessionTest runs: it must be able to fail. */
class TranscriptTest {
    @Test
    void commands_their_continuation_lines_and_their_output_become_steps() {
        var transcript = Transcript.parse("""
                Some prose.

                ```sh
                $ A=$(echo one)
                $ curl -s localhost:8080/x \\
                    -H 'Accept: application/json'
                {"a": 1,
                 "b": 2}

                $ echo done
                done
                ```
                """);

        assertThat(transcript.steps()).containsExactly(
                new Step("A=$(echo one)", ""),
                new Step("curl -s localhost:8080/x \\\n    -H 'Accept: application/json'", "{\"a\": 1,\n \"b\": 2}"),
                new Step("echo done", "done"));
    }

    @Test
    void a_java_block_is_a_source_file_named_after_its_class() {
        var transcript = Transcript.parse("""
                ```java
                import java.util.List;

                public class Write {
                }
                ```
                """);

        assertThat(transcript.sources()).containsExactly(new SourceFile("Write.java", "import java.util.List;\n\npublic class Write {\n}\n"));
    }

    @Test
    void a_block_of_another_kind_output_before_a_command_or_a_dangling_continuation_is_refused() {
        assertThatThrownBy(() -> Transcript.parse("```bash\n$ ls\n```\n")).hasMessageContaining("```sh or ```java");
        assertThatThrownBy(() -> Transcript.parse("```sh\nhello\n$ ls\n```\n")).hasMessageContaining("output before the first");
        assertThatThrownBy(() -> Transcript.parse("```sh\n$ ls \\\n```\n")).hasMessageContaining("ends inside a command");
        assertThatThrownBy(() -> Transcript.parse("```sh\n$ ls\n")).hasMessageContaining("never closed");
    }

    @Test
    void the_section_lies_between_the_marker_lines() {
        var markdown = "intro\n<!-- begin -->\none\ntwo\n<!-- end -->\nafter\n";

        assertThat(Transcript.section(markdown, "<!-- begin", "<!-- end -->")).isEqualTo("one\ntwo\n");
        assertThatThrownBy(() -> Transcript.section("no markers", "<!-- begin", "<!-- end -->"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void output_matches_when_the_shown_pieces_appear_in_order_whatever_the_whitespace() {
        assertThat(Transcript.mismatch("{\"id\":\"...\",\"name\": \"Acme\",\n ...}", "{\"id\":\"01ab\",\"name\":\"Acme\",\"x\":1}")).isEmpty();
        assertThat(Transcript.mismatch("HTTP/1.1 204 No Content\n...", "HTTP/1.1 204 No Content\r\nDate: now\r\n\r\n")).isEmpty();
        assertThat(Transcript.mismatch("", "")).isEmpty();
    }

    @Test
    void output_does_not_match_when_a_shown_piece_differs_is_missing_or_extra_text_was_printed() {
        assertThat(Transcript.mismatch("{\"status\":\"ok\"}", "{\"status\":\"down\"}")).hasValue("it should print exactly what is shown");
        assertThat(Transcript.mismatch("", "surprise")).hasValue("it should print nothing");
        assertThat(Transcript.mismatch("HTTP/1.1 204 ...", "HTTP/1.1 400 Bad Request")).hasValue("it should start with 'HTTP/1.1204' but starts with 'HTTP/1.1400BadRequest'");
        assertThat(Transcript.mismatch("a...b...c...d", "a c b d")).hasValue("'c' is missing after 'acb'");
        assertThat(Transcript.mismatch("{...,\"ok\":true}", "{\"ok\":true,\"more\":1}")).hasValue("it should end with ',\"ok\":true}' but ends with '{\"ok\":true,\"more\":1}'");
        assertThat(Transcript.mismatch("ab...ba", "aba")).as("the first and the last piece do not overlap").isPresent();
    }
}
