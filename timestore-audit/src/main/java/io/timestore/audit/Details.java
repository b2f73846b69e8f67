package io.timestore.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.canonical.CanonicalOutput;
import io.timestore.audit.canonical.EventText;
import io.timestore.audit.canonical.Jcs;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The {@code details} member of an event: an immutable JSON object, already redacted (see
 * {@link io.timestore.audit.redaction.Redactor}). Instances are normalised when built so the stored JSON and the hashed bytes
 * can never disagree:
 * <ul>
 *   <li>every string and member name is cleaned (U+0000 and lone surrogates become U+FFFD);</li>
 *   <li>a number whose decimal value is not exactly the value of the nearest IEEE-754 binary64
 *       (for example an int64 above 2^53) is stored as a JSON string of its decimal text, because
 *       RFC 8785 reads every number as binary64 and two different values must not hash alike;
 *       non-finite numbers become strings too.</li>
 * </ul>
 * Equality is by canonical form, so member order never matters. Thread-safe (immutable).
 */
public final class Details {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Details EMPTY = new Details(NODES.objectNode());

    private final ObjectNode tree;
    /**
     * Computed on first use: hashing and equality need it, reading an event back for delivery or
     * the API does not. The tree never changes, so two threads computing it at once compute the
     * same bytes (it cannot fail: a normalised tree holds JSON values only).
     */
    private volatile byte[] canonical;

    private Details(ObjectNode normalised) {
        this.tree = normalised;
    }

    private byte[] canonical() {
        byte[] bytes = canonical;
        if (bytes == null) {
            bytes = Jcs.canonicalize(tree);
            canonical = bytes;
        }
        return bytes;
    }

    public static Details empty() {
        return EMPTY;
    }

    /**
     * Normalised copy of {@code json}, which must be a JSON object.
     *
     * @throws IllegalArgumentException if {@code json} is not an object
     */
    public static Details of(JsonNode json) {
        Objects.requireNonNull(json, "details");
        if (!json.isObject()) {
            throw new IllegalArgumentException("details must be a JSON object (found " + json.getNodeType() + ")");
        }
        return json.isEmpty() ? EMPTY : new Details((ObjectNode) normalise(json));
    }

    /** A fresh, mutable copy of the object; changing it does not change this value. */
    public ObjectNode toJson() {
        return tree.deepCopy();
    }

    /** Writes the object to {@code out} as {@link #toJson} would serialise, without copying it ({@code out} needs a codec). */
    public void writeTo(JsonGenerator out) throws IOException {
        out.writeTree(tree);
    }

    /** The RFC 8785 canonical JSON text of this object. */
    public String canonicalJson() {
        return new String(canonical(), StandardCharsets.UTF_8);
    }

    public boolean isEmpty() {
        return tree.isEmpty();
    }

    /** The canonical UTF-8 bytes, shared: callers in this package must not modify them. */
    byte[] canonicalBytes() {
        return canonical();
    }

    private static JsonNode normalise(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> {
                ObjectNode copy = NODES.objectNode();
                node.properties().forEach(e -> copy.set(EventText.clean(e.getKey()), normalise(e.getValue())));
                yield copy;
            }
            case ARRAY -> {
                var copy = NODES.arrayNode(node.size());
                node.forEach(element -> copy.add(normalise(element)));
                yield copy;
            }
            case STRING -> NODES.textNode(EventText.clean(node.textValue()));
            case NUMBER -> normaliseNumber(node);
            case BOOLEAN -> NODES.booleanNode(node.booleanValue());
            case NULL -> NODES.nullNode();
            default -> throw new IllegalArgumentException("details may only contain JSON values (found " + node.getNodeType() + ")");
        };
    }

    private static JsonNode normaliseNumber(JsonNode node) {
        // Fast path, same result as below: an int or long within ±2^53 is exactly a binary64 and
        // stays an integer. Skips three BigDecimal conversions per number on the verifier's path.
        if ((node.isInt() || node.isLong()) && Math.abs(node.longValue()) <= 9_007_199_254_740_992L) {
            return NODES.numberNode(node.longValue());
        }
        double d = node.doubleValue();
        if (!Double.isFinite(d)) {
            return NODES.textNode(node.isFloatingPointNumber() ? Double.toString(d) : node.asText());
        }
        BigDecimal exact = node.isFloatingPointNumber() && !node.isBigDecimal() ? BigDecimal.valueOf(d) : node.decimalValue();
        if (!CanonicalOutput.isExactBinary64(exact)) {
            return NODES.textNode(exact.toString());
        }
        // Integral values inside the safe range stay integers in the stored JSON, for readability.
        if (d == Math.rint(d) && Math.abs(d) <= 9.007199254740992E15) {
            return NODES.numberNode((long) d);
        }
        return NODES.numberNode(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Details other && Arrays.equals(canonical(), other.canonical());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(canonical());
    }

    @Override
    public String toString() {
        return canonicalJson();
    }
}
