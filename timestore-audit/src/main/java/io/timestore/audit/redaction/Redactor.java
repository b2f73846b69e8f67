package io.timestore.audit.redaction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.timestore.audit.Details;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Redacts an event's {@code details} (and the request headers the server chooses to record) before
 * they are stored (G7). Two layers:
 * <ol>
 *   <li><b>Always on</b>, whatever the policy or mode: a member whose name, lower-cased with
 *       everything but letters and digits removed, contains {@code authorization}, {@code password},
 *       {@code passwd}, {@code passphrase}, {@code secret}, {@code signature}, {@code apikey},
 *       {@code privatekey}, {@code credential} or {@code cookie}, or ends in {@code token} or
 *       {@code tokens}, is masked; so is any string that looks like a credential (an
 *       {@code Authorization} value such as {@code Bearer ...}, a JWT, a PEM private key).</li>
 *   <li><b>Configured</b> ({@link RedactionPolicy}): paths and header names, masked or removed in
 *       {@code enforce} mode, only reported in {@code log} mode, ignored in {@code off} mode.</li>
 * </ol>
 * Masking replaces the whole value (object, array or scalar) with {@code "****"}, so it is visible
 * that something was there. Thread-safe (immutable).
 */
public final class Redactor {
    public static final String MASK = "****";
    private static final Pattern NOT_ALNUM = Pattern.compile("[^a-z0-9]");
    private static final List<String> SECRET_WORDS = List.of(
            "authorization", "password", "passwd", "passphrase", "secret", "signature", "apikey", "privatekey",
            "credential", "cookie");
    private static final Pattern SECRET_VALUE = Pattern.compile(
            "(?i)^\\s*(bearer|basic|digest|token|ts1-hmac-sha256)\\s+\\S.*"
                    + "|^\\s*eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*\\s*$"
                    + "|(?s).*-----BEGIN [A-Z ]*PRIVATE KEY-----.*");

    private final RedactionPolicy policy;
    private final List<List<String>> paths;

    public Redactor(RedactionPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        List<List<String>> all = new ArrayList<>();
        policy.paths().forEach(p -> all.add(RedactionPolicy.segments(p)));
        policy.headerNames().forEach(h -> all.add(List.of("headers", h)));
        this.paths = List.copyOf(all);
    }

    /** Redacts {@code details}, a JSON object; the argument is not modified. */
    public Redaction redact(JsonNode details) {
        return redact(details, Map.of());
    }

    /**
     * Redacts {@code details} with the given request headers recorded under {@code /headers} (names
     * lower-cased, several values joined with {@code ", "}); the arguments are not modified.
     *
     * @throws IllegalArgumentException if details is not an object, or already has a
     *                                  {@code headers} member while headers are given
     */
    public Redaction redact(JsonNode details, Map<String, List<String>> headers) {
        Objects.requireNonNull(details, "details");
        if (!details.isObject()) {
            throw new IllegalArgumentException("details must be a JSON object (found " + details.getNodeType() + ")");
        }
        ObjectNode copy = ((ObjectNode) details).deepCopy();
        if (!headers.isEmpty()) {
            if (copy.has("headers")) {
                throw new IllegalArgumentException("details already has a headers member; pass headers in one place");
            }
            ObjectNode h = copy.putObject("headers");
            headers.forEach((name, values) -> h.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
        }
        var walk = new Walk();
        walk.object(copy, new ArrayList<>());
        return new Redaction(Details.of(copy), walk.redacted, walk.wouldRedact);
    }

    /** True if a member of this name is always masked (see the class comment). */
    public static boolean isAlwaysSecret(String name) {
        String n = NOT_ALNUM.matcher(name.toLowerCase(Locale.ROOT)).replaceAll("");
        for (String word : SECRET_WORDS) {
            if (n.contains(word)) {
                return true;
            }
        }
        return n.endsWith("token") || n.endsWith("tokens");
    }

    static boolean looksLikeSecret(String value) {
        return SECRET_VALUE.matcher(value).matches();
    }

    private final class Walk {
        final List<String> redacted = new ArrayList<>();
        final List<String> wouldRedact = new ArrayList<>();

        void object(ObjectNode node, List<String> path) {
            for (String name : node.properties().stream().map(Map.Entry::getKey).toList()) {
                path.add(name);
                JsonNode value = node.get(name);
                if (isAlwaysSecret(name) || (value.isTextual() && looksLikeSecret(value.textValue()))) {
                    node.set(name, TextNode.valueOf(MASK));
                    redacted.add(pointer(path));
                } else if (configured(path) && policy.mode() == RedactionPolicy.Mode.ENFORCE) {
                    if (policy.action() == RedactionPolicy.Action.REMOVE) {
                        node.remove(name);
                    } else {
                        node.set(name, TextNode.valueOf(MASK));
                    }
                    redacted.add(pointer(path));
                } else {
                    keep(value, path);
                }
                path.removeLast();
            }
        }

        void array(ArrayNode node, List<String> path) {
            for (int i = 0; i < node.size(); i++) {
                path.add(Integer.toString(i));
                JsonNode value = node.get(i);
                boolean secret = value.isTextual() && looksLikeSecret(value.textValue());
                if (secret || (configured(path) && policy.mode() == RedactionPolicy.Mode.ENFORCE)) {
                    node.set(i, TextNode.valueOf(MASK));
                    redacted.add(pointer(path));
                } else {
                    keep(value, path);
                }
                path.removeLast();
            }
        }

        /** A member or element that stays: noted when a log-only policy would redact it, then searched. */
        private void keep(JsonNode value, List<String> path) {
            if (configured(path) && policy.mode() == RedactionPolicy.Mode.LOG) {
                wouldRedact.add(pointer(path));
            }
            descend(value, path);
        }

        private void descend(JsonNode value, List<String> path) {
            if (value.isObject()) {
                object((ObjectNode) value, path);
            } else if (value.isArray()) {
                array((ArrayNode) value, path);
            }
        }

        private boolean configured(List<String> path) {
            if (policy.mode() == RedactionPolicy.Mode.OFF) {
                return false;
            }
            for (List<String> pattern : paths) {
                if (matches(pattern, path)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static boolean matches(List<String> pattern, List<String> path) {
        if (pattern.size() != path.size()) {
            return false;
        }
        for (int i = 0; i < pattern.size(); i++) {
            String p = pattern.get(i);
            if (!p.equals("*") && !p.equals(path.get(i))) {
                return false;
            }
        }
        return true;
    }

    static String pointer(List<String> path) {
        StringBuilder out = new StringBuilder();
        for (String segment : path) {
            out.append('/').append(segment.replace("~", "~0").replace("/", "~1"));
        }
        return out.toString();
    }
}
