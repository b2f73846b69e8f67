package io.timestore.audit.redaction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.Details;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The read view of the {@code support} role (BR-006): the event with every scalar in
 * {@code details} masked (member names and shape kept, so support sees what kind of facts exist),
 * {@code request.source_ip} and {@code request.user_agent} masked, and {@code actor.id} replaced
 * by a pseudonym.
 *
 * <p>Pseudonyms are stable per tenant, so support can follow one actor through a tenant's events,
 * but unlinkable across tenants and irreversible without the master key:
 * <pre>
 *   tenant_key = HMAC-SHA256(master_key, "ts-audit-support-v1" || 0x00 || UTF-8(tenant_id))
 *   pseudonym  = "anon-" || hex(HMAC-SHA256(tenant_key, UTF-8(actor_id)))[0..32]
 * </pre>
 * The seal is kept so events can be matched to checkpoints, but a support view no longer hashes to
 * it. Thread-safe (a fresh {@link Mac} per call).
 */
public final class SupportView {
    private static final String HMAC = "HmacSHA256";
    private static final byte[] CONTEXT = "ts-audit-support-v1\0".getBytes(StandardCharsets.US_ASCII);
    private final SecretKeySpec masterKey;

    /** @param masterKey at least 32 bytes of secret key material, from configuration */
    public SupportView(byte[] masterKey) {
        Objects.requireNonNull(masterKey, "masterKey");
        if (masterKey.length < 32) {
            throw new IllegalArgumentException("the support pseudonym key needs at least 32 bytes (found " + masterKey.length + ")");
        }
        this.masterKey = new SecretKeySpec(masterKey.clone(), HMAC);
    }

    /** The event as the support role may see it. */
    public AuditEvent view(AuditEvent event) {
        AuditEvent.Actor actor = event.actor();
        AuditEvent.Actor masked = actor.id() == null ? actor : actor.withId(pseudonym(event.tenantId(), actor.id()));
        AuditEvent.Request r = event.request();
        AuditEvent.Request request = new AuditEvent.Request(r.method(), r.path(),
                r.sourceIp() == null ? null : Redactor.MASK, r.userAgent() == null ? null : Redactor.MASK);
        return new AuditEvent(event.eventId(), event.tenantId(), event.occurredAt(), event.requestId(), event.traceId(),
                masked, event.operation(), event.outcome(), event.revision(), request,
                Details.of(maskScalars(event.details().toJson())), event.severity(), event.seal());
    }

    /** The pseudonym of {@code actorId} within {@code tenantId}. */
    public String pseudonym(String tenantId, String actorId) {
        AuditEvent.checkPartition(tenantId);
        Objects.requireNonNull(actorId, "actorId");
        try {
            Mac derive = Mac.getInstance(HMAC);
            derive.init(masterKey);
            derive.update(CONTEXT);
            byte[] tenantKey = derive.doFinal(tenantId.getBytes(StandardCharsets.UTF_8));
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(tenantKey, HMAC));
            byte[] tag = mac.doFinal(actorId.getBytes(StandardCharsets.UTF_8));
            return "anon-" + HexFormat.of().formatHex(tag, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has HmacSHA256", e);
        }
    }

    private static JsonNode maskScalars(JsonNode node) {
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                copy.set(member.getKey(), maskScalars(member.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            var copy = JsonNodeFactory.instance.arrayNode(node.size());
            node.forEach(element -> copy.add(maskScalars(element)));
            return copy;
        }
        return node.isNull() ? node : TextNode.valueOf(Redactor.MASK);
    }
}
