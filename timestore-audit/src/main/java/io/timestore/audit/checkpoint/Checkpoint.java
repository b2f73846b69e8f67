package io.timestore.audit.checkpoint;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.ChainHash;
import io.timestore.audit.ChainHead;
import io.timestore.audit.canonical.CanonicalOutput;
import io.timestore.audit.canonical.EventText;
import io.timestore.audit.canonical.Jcs;
import io.timestore.audit.canonical.Timestamps;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A signed statement "the chain of {@code tenant_id} had {@code hash} at {@code seq}, at
 * {@code signed_at}", made by the sequencer every N events or T seconds. A verifier that trusts
 * the public key detects any rewrite of the chain up to {@code seq}, even one that recomputed every
 * hash. Immutable.
 *
 * <p>Signed bytes, version 1 (documented in {@code docs/audit-events.md}):
 * <pre>
 *   "ts-audit-checkpoint-v1" || 0x0A || JCS({"hash","key_id","seq","signed_at","tenant_id"})
 * </pre>
 * signed with Ed25519 (RFC 8032, pure); {@code signature} is the 64-byte signature in standard
 * base64 with padding.
 *
 * @param signedAt when it was signed, microsecond precision (truncated)
 * @param keyId    the signing key's id, see {@link CheckpointKeys#keyId}
 */
public record Checkpoint(String tenantId, long seq, ChainHash hash, Instant signedAt, String keyId, String signature) {
    public static final String VERSION = "ts-audit-checkpoint-v1";
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");

    public Checkpoint {
        tenantId = AuditEvent.checkPartition(tenantId);
        if (seq < 1) {
            throw new IllegalArgumentException("a checkpoint covers at least one event (seq " + seq + ")");
        }
        Objects.requireNonNull(hash, "hash");
        signedAt = Objects.requireNonNull(signedAt, "signedAt").truncatedTo(ChronoUnit.MICROS);
        EventText.matching(keyId, "keyId", KEY_ID);
        Objects.requireNonNull(signature, "signature");
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("signature must be standard base64", e);
        }
        if (raw.length != 64 || !Base64.getEncoder().encodeToString(raw).equals(signature)) {
            throw new IllegalArgumentException("signature must be 64 bytes in padded standard base64");
        }
    }

    /** The bytes that are signed; the same for any {@code signature} value. */
    public byte[] signedBytes() {
        return signedBytes(tenantId, seq, hash, signedAt, keyId);
    }

    static byte[] signedBytes(String tenantId, long seq, ChainHash hash, Instant signedAt, String keyId) {
        ObjectNode content = JsonNodeFactory.instance.objectNode()
                .put("tenant_id", tenantId)
                .put("seq", seq)
                .put("hash", hash.hex())
                .put("signed_at", Timestamps.format(signedAt))
                .put("key_id", keyId);
        var out = new CanonicalOutput(256);
        out.ascii(VERSION).raw('\n');
        Jcs.write(content, out);
        return out.toByteArray();
    }

    byte[] signatureBytes() {
        return Base64.getDecoder().decode(signature);
    }

    /**
     * The chain position this checkpoint signed: the head a verifier starts from after a purge
     * (this was {@code ChainHead.anchoredAt}; it lives here so the chain head, part of the event
     * contract, does not depend on checkpoints).
     */
    public ChainHead head() {
        return new ChainHead(tenantId, seq, hash);
    }

    /**
     * Refuses a checkpoint that does not move strictly forward from {@code previous}: a checkpoint
     * with a lower or equal seq or an earlier or equal time would let a rewritten, shorter history
     * pass as the latest word (a rollback).
     *
     * @throws IllegalArgumentException naming both positions when it does not follow
     */
    public void requireFollows(Checkpoint previous) {
        if (previous == null) {
            return;
        }
        if (!previous.tenantId.equals(tenantId)) {
            throw new IllegalArgumentException("checkpoint of %s cannot follow one of %s".formatted(tenantId, previous.tenantId));
        }
        if (seq <= previous.seq || !signedAt.isAfter(previous.signedAt)) {
            throw new IllegalArgumentException("checkpoint (seq %d, signed %s) does not follow the previous one (seq %d, signed %s)"
                    .formatted(seq, Timestamps.format(signedAt), previous.seq, Timestamps.format(previous.signedAt)));
        }
    }

    /** The JSON form served with the checkpoints route. */
    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode()
                .put("tenant_id", tenantId)
                .put("seq", seq)
                .put("hash", hash.hex())
                .put("signed_at", Timestamps.format(signedAt))
                .put("key_id", keyId)
                .put("signature", signature);
    }

    /**
     * Reads the JSON form of {@link #toJson()}.
     *
     * @throws IllegalArgumentException naming the member that is missing or malformed
     */
    public static Checkpoint fromJson(com.fasterxml.jackson.databind.JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("a checkpoint is a JSON object");
        }
        for (String name : java.util.List.of("tenant_id", "seq", "hash", "signed_at", "key_id", "signature")) {
            if (!json.hasNonNull(name)) {
                throw new IllegalArgumentException("checkpoint." + name + " is missing");
            }
        }
        if (!json.get("seq").canConvertToExactIntegral() || !json.get("seq").isIntegralNumber()) {
            throw new IllegalArgumentException("checkpoint.seq must be an integer");
        }
        return new Checkpoint(json.get("tenant_id").asText(), json.get("seq").longValue(),
                ChainHash.parse(json.get("hash").asText()), Timestamps.parse(json.get("signed_at").asText(), "signed_at"),
                json.get("key_id").asText(), json.get("signature").asText());
    }

    /** The signed text, for logs and tools (UTF-8 of {@link #signedBytes()}). */
    public String signedText() {
        return new String(signedBytes(), StandardCharsets.UTF_8);
    }
}
