package io.timestore.audit.redaction;

import io.timestore.audit.canonical.EventText;
import io.timestore.audit.canonical.Labels;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What {@link Redactor} hides before storage, beyond what it always hides.
 *
 * @param mode        {@code off}: configured rules ignored; {@code log}: configured rules only
 *                    reported (values stored as they are); {@code enforce} (the default): applied
 * @param action      what an enforced configured rule does: mask the value as {@code "****"} or
 *                    remove the member (array elements are masked, never removed, so indexes stay)
 * @param paths       JSON-pointer-like paths into {@code details} (RFC 6901 syntax, {@code ~0} and
 *                    {@code ~1} escapes), where a {@code *} segment matches any member or index:
 *                    {@code /query/filter}, <code>/items/&#42;/password</code>
 * @param headerNames request header names (case-insensitive), applied under {@code /headers}
 */
public record RedactionPolicy(Mode mode, Action action, List<String> paths, Set<String> headerNames) {
    private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

    public enum Mode {
        OFF, LOG, ENFORCE;

        /** @throws IllegalArgumentException naming the accepted values */
        public static Mode fromLabel(String label) {
            return Labels.parse(Mode.class, label, "audit redaction mode");
        }
    }

    public enum Action {
        MASK, REMOVE;

        /** @throws IllegalArgumentException naming the accepted values */
        public static Action fromLabel(String label) {
            return Labels.parse(Action.class, label, "audit redaction action");
        }
    }

    public RedactionPolicy {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(action, "action");
        paths = List.copyOf(paths);
        paths.forEach(RedactionPolicy::checkPath);
        headerNames = headerNames.stream()
                .map(h -> EventText.matching(h, "header name", HEADER).toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Enforce, mask, nothing configured: only the always-on rules apply. */
    public static RedactionPolicy defaults() {
        return new RedactionPolicy(Mode.ENFORCE, Action.MASK, List.of(), Set.of());
    }

    private static void checkPath(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") || path.length() < 2 || path.contains("//") || path.endsWith("/")) {
            throw new IllegalArgumentException("a redaction path looks like /member/member, with * for any member (found \"" + path + "\")");
        }
        if (Pattern.compile("~[^01]|~$").matcher(path).find()) {
            throw new IllegalArgumentException("in a redaction path ~ must be followed by 0 or 1 (found \"" + path + "\")");
        }
    }

    /** The decoded segments of a path: {@code /a~1b/*} is {@code ["a/b", "*"]}. */
    static List<String> segments(String path) {
        return java.util.Arrays.stream(path.substring(1).split("/", -1))
                .map(s -> s.replace("~1", "/").replace("~0", "~"))
                .toList();
    }
}
