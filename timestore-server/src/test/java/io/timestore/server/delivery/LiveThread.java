package io.timestore.server.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * A live thread of this JVM as a thread dump shows it, virtual threads included (which
 * {@link Thread#getAllStackTraces} leaves out): the delivery loop's workers are virtual threads.
 */
record LiveThread(String name, List<String> stack) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every live thread whose name starts with one of {@code prefixes}, with its stack at the moment of the dump. */
    static List<LiveThread> named(String... prefixes) {
        var found = new ArrayList<LiveThread>();
        for (var thread : dump()) {
            var name = thread.path("name").asText();
            for (var prefix : prefixes) {
                if (name.startsWith(prefix)) {
                    var stack = new ArrayList<String>();
                    thread.path("stack").forEach(frame -> stack.add(frame.asText()));
                    found.add(new LiveThread(name, stack));
                    break;
                }
            }
        }
        return found;
    }

    /** Whether a frame of this thread's stack is in {@code className}. */
    boolean inside(String className) {
        return stack.stream().anyMatch(frame -> frame.startsWith(className + "."));
    }

    private static List<JsonNode> dump() {
        try {
            var dir = Files.createTempDirectory("thread-dump");
            var file = dir.resolve("threads.json");
            try {
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                        .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
                var threads = new ArrayList<JsonNode>();
                JSON.readTree(file.toFile()).path("threadDump").path("threadContainers")
                        .forEach(container -> container.path("threads").forEach(threads::add));
                return threads;
            } finally {
                Files.deleteIfExists(file);
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
