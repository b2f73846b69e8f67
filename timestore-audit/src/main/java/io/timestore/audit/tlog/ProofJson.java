package io.timestore.audit.tlog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The JSON forms of receipts and consistency proofs — a public contract, documented in
 * {@code docs/audit-events.md} and read by {@code docs/verify/verify_receipt.py}. Hashes and bytes
 * are standard padded base64.
 * <pre>
 * receipt:     {"format": "ts-audit-receipt-v1", "event_id": "&lt;uuid&gt;", "seq": 42,
 *               "leaf_hash": "&lt;base64&gt;", "canonical": "&lt;base64, optional&gt;",
 *               "inclusion_proof": ["&lt;base64&gt;", ...], "checkpoint": "&lt;signed note text&gt;"}
 * consistency: {"size1": 10, "size2": 42, "proof": ["&lt;base64&gt;", ...]}
 * </pre>
 * Reading is strict: an unknown, missing or mistyped member is refused with
 * {@link IllegalArgumentException} naming it. Thread-safe.
 */
public final class ProofJson {
    /** The receipt format this library writes and reads. */
    public static final String RECEIPT_FORMAT = "ts-audit-receipt-v1";
    private static final Set<String> RECEIPT_MEMBERS =
            Set.of("format", "event_id", "seq", "leaf_hash", "canonical", "inclusion_proof", "checkpoint");
    private static final Set<String> CONSISTENCY_MEMBERS = Set.of("size1", "size2", "proof");

    private final ObjectMapper mapper = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public ObjectNode toJson(Receipt receipt) {
        ObjectNode json = mapper.createObjectNode();
        json.put("format", RECEIPT_FORMAT);
        json.put("event_id", receipt.eventId().toString());
        json.put("seq", receipt.seq());
        json.put("leaf_hash", receipt.leafHash().base64());
        if (receipt.canonical() != null) {
            json.put("canonical", Base64.getEncoder().encodeToString(receipt.canonical()));
        }
        json.set("inclusion_proof", hashes(receipt.inclusionProof()));
        json.put("checkpoint", receipt.checkpoint());
        return json;
    }

    public ObjectNode toJson(ConsistencyProof proof) {
        ObjectNode json = mapper.createObjectNode();
        json.put("size1", proof.size1());
        json.put("size2", proof.size2());
        json.set("proof", hashes(proof.hashes()));
        return json;
    }

    public String writeReceipt(Receipt receipt) {
        return write(toJson(receipt));
    }

    public String writeConsistency(ConsistencyProof proof) {
        return write(toJson(proof));
    }

    /** @throws IllegalArgumentException if {@code json} is not a receipt document of this format */
    public Receipt readReceipt(String json) {
        JsonNode root = object(json, RECEIPT_MEMBERS);
        if (!RECEIPT_FORMAT.equals(text(root, "format"))) {
            throw new IllegalArgumentException("receipt format is " + RECEIPT_FORMAT + " (found " + root.get("format") + ")");
        }
        String eventId = text(root, "event_id");
        UUID id;
        try {
            id = UUID.fromString(eventId);
        } catch (IllegalArgumentException e) {
            id = null;
        }
        if (id == null || !id.toString().equals(eventId)) {
            throw new IllegalArgumentException("event_id is a lower-case UUID");
        }
        byte[] canonical = root.has("canonical") ? StrictBase64.decode(text(root, "canonical"), "canonical") : null;
        return new Receipt(id, number(root, "seq"), hash(text(root, "leaf_hash"), "leaf_hash"), canonical,
                hashList(root, "inclusion_proof"), text(root, "checkpoint"));
    }

    /** @throws IllegalArgumentException if {@code json} is not a consistency proof document */
    public ConsistencyProof readConsistency(String json) {
        JsonNode root = object(json, CONSISTENCY_MEMBERS);
        return new ConsistencyProof(number(root, "size1"), number(root, "size2"), hashList(root, "proof"));
    }

    private JsonNode object(String json, Set<String> members) {
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON document");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!members.contains(name)) {
                throw new IllegalArgumentException("unknown member \"" + name + "\"");
            }
        }
        return root;
    }

    private ArrayNode hashes(List<TreeHash> hashes) {
        ArrayNode array = mapper.createArrayNode();
        hashes.forEach(h -> array.add(h.base64()));
        return array;
    }

    private static List<TreeHash> hashList(JsonNode root, String member) {
        JsonNode array = root.get(member);
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException(member + " is an array of base64 hashes");
        }
        List<TreeHash> hashes = new ArrayList<>(array.size());
        for (JsonNode element : array) {
            if (!element.isTextual()) {
                throw new IllegalArgumentException(member + " is an array of base64 hashes");
            }
            hashes.add(hash(element.textValue(), member));
        }
        return hashes;
    }

    private static TreeHash hash(String base64, String member) {
        try {
            return TreeHash.fromBase64(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(member + " holds the canonical base64 of 32-byte hashes");
        }
    }

    private static String text(JsonNode root, String member) {
        JsonNode node = root.get(member);
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException(member + " is a string");
        }
        return node.textValue();
    }

    private static long number(JsonNode root, String member) {
        JsonNode node = root.get(member);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new IllegalArgumentException(member + " is an integer");
        }
        return node.longValue();
    }

    private String write(JsonNode json) {
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
