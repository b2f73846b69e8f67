package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The worked example blocks of docs/transparency-log.md (and the canonical bytes it builds on). */
final class TlogDoc {
    static final Path DOC = Path.of("..", "docs", "transparency-log.md");
    private static final Path AUDIT_EVENTS = Path.of("..", "docs", "audit-events.md");
    private static final Pattern BLOCK = Pattern.compile("<!-- (tlog-example|example):([a-z0-9-]+) -->\\n```[a-z]*\\n(.*?)\\n```", Pattern.DOTALL);

    private TlogDoc() {}

    /** The text of this document. */
    static String text() {
        return read(DOC);
    }

    /** The {@code tlog-example} blocks by name, without their final line feed. */
    static Map<String, String> examples() {
        Map<String, String> found = blocks(read(DOC), "tlog-example");
        assertThat(found).containsOnlyKeys("signer-key", "verifier-key", "checkpoint-3", "receipt", "checkpoint-1", "consistency");
        return found;
    }

    /** The canonical bytes of the worked example of audit-events.md §5. */
    static byte[] canonicalExample() {
        return blocks(read(AUDIT_EVENTS), "example").get("canonical").getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> blocks(String document, String kind) {
        Map<String, String> found = new HashMap<>();
        Matcher m = BLOCK.matcher(document);
        while (m.find()) {
            if (m.group(1).equals(kind)) {
                found.put(m.group(2), m.group(3));
            }
        }
        return found;
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(path + " must exist next to the module: " + path.toAbsolutePath(), e);
        }
    }
}
