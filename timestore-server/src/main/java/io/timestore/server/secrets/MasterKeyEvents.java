package io.timestore.server.secrets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.Details;
import io.timestore.audit.EventIds;
import io.timestore.audit.Severity;
import java.time.Instant;
import java.util.List;

/**
 * The {@code _platform} audit events (severity {@code security}) of the master-key commands:
 * {@code keys:rotate-master-key}, {@code keys:reencrypt-secrets}, {@code keys:retire-master-key}
 * (docs/audit-events.md). They name key ids and counts, never key material.
 */
public final class MasterKeyEvents {
    private MasterKeyEvents() {}

    /**
     * @param command  the {@code timestore keys} subcommand, e.g. {@code rotate-master-key}
     * @param uid      what makes the event unique (its id derives from it: the same uid is one event)
     * @param keyId    the master key acted on
     * @param operator who ran the command (the operating-system user)
     */
    public static AuditEvent event(String command, String uid, String keyId, ObjectNode details, String operator, Instant now) {
        var partition = AuditEvent.PLATFORM_PARTITION;
        return new AuditEvent(EventIds.forRequest(partition, uid), partition, now, uid, null,
                new AuditEvent.Actor(operator, AuditEvent.ActorType.SYSTEM, List.of(), List.of(), List.of(), "cli"),
                new AuditEvent.Operation("keys:" + command, "keys", "master_key", keyId, null),
                new AuditEvent.Outcome(AuditEvent.Result.SUCCEEDED, 200, null), null,
                new AuditEvent.Request("CLI", "/cli/keys/" + command, null, null),
                Details.of(details), Severity.SECURITY, null);
    }
}
