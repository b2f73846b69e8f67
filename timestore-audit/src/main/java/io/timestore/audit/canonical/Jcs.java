package io.timestore.audit.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RFC 8785 JSON Canonicalization Scheme over a Jackson tree: object members sorted by the UTF-16
 * code units of their names, no insignificant whitespace, strings escaped minimally, numbers printed
 * as ECMAScript prints the nearest binary64 value. This is the generic form an outside tool
 * reproduces; {@link io.timestore.audit.CanonicalEncoding} writes the same bytes for an event without building a tree.
 */
public final class Jcs {
    private Jcs() {}

    public static byte[] canonicalize(JsonNode node) {
        var out = new CanonicalOutput(256);
        write(node, out);
        return out.toByteArray();
    }

    public static void write(JsonNode node, CanonicalOutput out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.size());
                node.properties().forEach(members::add);
                members.sort(Map.Entry.comparingByKey());
                out.raw('{');
                for (int i = 0; i < members.size(); i++) {
                    if (i > 0) {
                        out.raw(',');
                    }
                    out.string(members.get(i).getKey()).raw(':');
                    write(members.get(i).getValue(), out);
                }
                out.raw('}');
            }
            case ARRAY -> {
                out.raw('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.raw(',');
                    }
                    write(node.get(i), out);
                }
                out.raw(']');
            }
            case STRING -> out.string(node.textValue());
            case NUMBER -> out.number(node.doubleValue());
            case BOOLEAN -> out.ascii(node.booleanValue() ? "true" : "false");
            case NULL -> out.ascii("null");
            default -> throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
        }
    }
}
