package io.timestore.server.config;

import io.timestore.audit.redaction.RedactionPolicy;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/** Reads and checks the {@code audit.*} settings. */
final class AuditSettingsReader {
    private AuditSettingsReader() {}

    private static String logName(SettingsLoader.Values values) {
        var name = values.text(SettingKey.AUDIT_LOG_NAME);
        if (!io.timestore.audit.tlog.LogOrigin.isValidLogName(name)) {
            throw values.invalidValue(SettingKey.AUDIT_LOG_NAME, "must be non-empty, without spaces or '+' (it starts every log's origin line)");
        }
        return name;
    }

    static AuditSettings read(SettingsLoader.Values values) {
        RedactionPolicy redaction;
        try {
            redaction = new RedactionPolicy(
                    RedactionPolicy.Mode.fromLabel(values.oneOf(SettingKey.AUDIT_REDACTION_MODE, Set.of("off", "log", "enforce"))),
                    RedactionPolicy.Action.fromLabel(values.oneOf(SettingKey.AUDIT_REDACTION_ACTION, Set.of("mask", "remove"))),
                    values.list(SettingKey.AUDIT_REDACTION_PATHS),
                    new LinkedHashSet<>(values.list(SettingKey.AUDIT_REDACTION_HEADERS)));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings("audit.redaction", e.getMessage());
        }
        var maxWait = values.duration(SettingKey.AUDIT_MAX_WAIT);
        if (maxWait.toMillis() > 60_000) {
            throw values.invalidValue(SettingKey.AUDIT_MAX_WAIT, "must be at most 60s: a caller cannot be held longer");
        }
        return new AuditSettings(
                maxWait,
                values.bool(SettingKey.AUDIT_RECORD_DENIED),
                values.intBetween(SettingKey.AUDIT_QUEUE_CAPACITY, 1, 10_000_000),
                values.intBetween(SettingKey.AUDIT_MAX_BATCH, 1, 100_000),
                redaction,
                values.duration(SettingKey.AUDIT_SEAL_INTERVAL),
                values.intBetween(SettingKey.AUDIT_CHECKPOINT_EVERY, 1, 100_000_000),
                values.duration(SettingKey.AUDIT_CHECKPOINT_INTERVAL),
                values.intBetween(SettingKey.AUDIT_RETENTION_DAYS, 1, 36_500),
                values.duration(SettingKey.AUDIT_RETENTION_INTERVAL),
                values.optional(SettingKey.AUDIT_SIGNING_KEY).map(Path::of),
                logName(values));
    }
}
