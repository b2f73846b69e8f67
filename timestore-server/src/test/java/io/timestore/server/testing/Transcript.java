package io.timestore.server.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A walkthrough in Markdown as its reader sees it, so a test can run it: every {@code ```sh} block
 * holds commands, each on a line starting with {@code $ } (continued on the next line while a line
 * ends with a backslash), followed by the lines it prints; every {@code ```java} block is a source
 * file, named after its first class. A walkthrough has no other kind of block, so nothing in it
 * escapes being run.
 *
 * <p>{@link #mismatch} compares what a command printed with what the walkthrough shows, ignoring
 * whitespace (line breaks added for reading, JSON spacing) and reading {@code ...} as "anything".
 */
public record Transcript(List<Step> steps, List<SourceFile> sources) {
    private static final String FENCE = "```";
    private static final Pattern CLASS = Pattern.compile("\\bclass\\s+(\\w+)");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    /** The wildcard of shown output. */
    public static final String ANYTHING = "...";

    public Transcript {
        steps = List.copyOf(steps);
        sources = List.copyOf(sources);
    }

    /** A command and what the walkthrough shows it printing (empty: it prints nothing). */
    public record Step(String command, String expected) {}

    /** A source file the walkthrough asks its reader to save. */
    public record SourceFile(String name, String text) {}

    /** The text strictly between the line holding {@code begin} and the line holding {@code end}. */
    public static String section(String markdown, String begin, String end) {
        int from = markdown.indexOf(begin);
        int to = markdown.indexOf(end);
        if (from < 0 || to < 0 || to < from || markdown.indexOf(begin, from + 1) >= 0 || markdown.indexOf(end, to + 1) >= 0) {
            throw new IllegalArgumentException("expected one '%s' followed by one '%s'".formatted(begin, end));
        }
        int start = markdown.indexOf('\n', from) + 1;
        return markdown.substring(start, markdown.lastIndexOf('\n', to) + 1);
    }

    /** Parses the fenced blocks of {@code markdown}; prose between them is ignored. */
    public static Transcript parse(String markdown) {
        var steps = new ArrayList<Step>();
        var sources = new ArrayList<SourceFile>();
        var lines = markdown.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            var line = lines.get(i);
            if (!line.startsWith(FENCE)) {
                continue;
            }
            var language = line.substring(FENCE.length()).trim();
            int close = i + 1;
            while (close < lines.size() && !lines.get(close).startsWith(FENCE)) {
                close++;
            }
            if (close == lines.size()) {
                throw new IllegalArgumentException("the block opened on line %d is never closed".formatted(i + 1));
            }
            var block = lines.subList(i + 1, close);
            switch (language) {
                case "sh" -> steps.addAll(commands(block, i + 2));
                case "java" -> sources.add(source(String.join("\n", block) + "\n", i + 1));
                default -> throw new IllegalArgumentException(
                        "line %d: a walkthrough block is ```sh or ```java, not '%s'".formatted(i + 1, line));
            }
            i = close;
        }
        return new Transcript(steps, sources);
    }

    private static List<Step> commands(List<String> block, int firstLine) {
        var steps = new ArrayList<Step>();
        StringBuilder command = null;
        var expected = new StringBuilder();
        boolean continued = false;
        for (int n = 0; n < block.size(); n++) {
            var line = block.get(n);
            if (continued) {
                command.append('\n').append(line);
            } else if (line.startsWith("$ ")) {
                if (command != null) {
                    steps.add(new Step(command.toString(), expected.toString().strip()));
                }
                command = new StringBuilder(line.substring(2));
                expected.setLength(0);
            } else if (command != null) {
                expected.append(line).append('\n');
            } else if (!line.isBlank()) {
                throw new IllegalArgumentException("line %d: output before the first '$ ' command: %s".formatted(firstLine + n, line));
            }
            continued = (continued || line.startsWith("$ ")) && line.endsWith("\\");
        }
        if (continued) {
            throw new IllegalArgumentException("the block ending before line %d ends inside a command (a trailing '\\')"
                    .formatted(firstLine + block.size()));
        }
        if (command != null) {
            steps.add(new Step(command.toString(), expected.toString().strip()));
        }
        return steps;
    }

    private static SourceFile source(String text, int line) {
        var declared = CLASS.matcher(text);
        if (!declared.find()) {
            throw new IllegalArgumentException("line %d: the java block declares no class".formatted(line));
        }
        return new SourceFile(declared.group(1) + ".java", text);
    }

    /**
     * Why {@code actual} is not what {@code expected} shows, or empty when it is: both without
     * whitespace, {@code expected}'s pieces between {@code ...} must appear in order, the first at
     * the start and the last at the end. Nothing shown means nothing printed.
     */
    public static Optional<String> mismatch(String expected, String actual) {
        var shown = WHITESPACE.matcher(expected).replaceAll("");
        var printed = WHITESPACE.matcher(actual).replaceAll("");
        var pieces = shown.split(Pattern.quote(ANYTHING), -1);
        if (pieces.length == 1) {
            return shown.equals(printed) ? Optional.empty()
                    : Optional.of(shown.isEmpty() ? "it should print nothing" : "it should print exactly what is shown");
        }
        var first = pieces[0];
        var last = pieces[pieces.length - 1];
        if (!printed.startsWith(first)) {
            return Optional.of("it should start with '%s' but starts with '%s'".formatted(first, excerpt(printed, 0, first.length() + 20)));
        }
        int position = first.length();
        for (int p = 1; p < pieces.length - 1; p++) {
            int found = printed.indexOf(pieces[p], position);
            if (found < 0) {
                return Optional.of("'%s' is missing after '%s'".formatted(pieces[p], excerpt(printed, position - 60, position)));
            }
            position = found + pieces[p].length();
        }
        if (!printed.endsWith(last) || printed.length() - last.length() < position) {
            return Optional.of("it should end with '%s' but ends with '%s'"
                    .formatted(last, excerpt(printed, printed.length() - last.length() - 20, printed.length())));
        }
        return Optional.empty();
    }

    private static String excerpt(String text, int from, int to) {
        return text.substring(Math.max(0, from), Math.min(text.length(), to));
    }
}
