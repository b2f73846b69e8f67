package io.timestore.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.audit.redaction.RedactionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and checks the {@code audit.*} settings. */
final class AuditSettingsReader {
    /** A platform sink's name: no {@code :}, which tenants' own streams use in theirs. */
    private static final Pattern SINK_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

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
                logName(values),
                delivery(values));
    }

    private static DeliverySettings delivery(SettingsLoader.Values values) {
        var backoffMin = values.duration(SettingKey.AUDIT_DELIVERY_BACKOFF_MIN);
        var backoffMax = values.duration(SettingKey.AUDIT_DELIVERY_BACKOFF_MAX);
        if (backoffMax.compareTo(backoffMin) < 0) {
            throw values.invalidValue(SettingKey.AUDIT_DELIVERY_BACKOFF_MAX, "must not be shorter than audit.delivery.backoff-min");
        }
        var maxHold = values.optional(SettingKey.AUDIT_DELIVERY_MAX_HOLD).isPresent()
                ? Optional.of(values.duration(SettingKey.AUDIT_DELIVERY_MAX_HOLD))
                : Optional.<Duration>empty();
        return new DeliverySettings(
                values.intBetween(SettingKey.AUDIT_DELIVERY_BATCH_SIZE, 1, 100_000),
                values.duration(SettingKey.AUDIT_DELIVERY_POLL_INTERVAL),
                backoffMin, backoffMax, maxHold,
                values.intBetween(SettingKey.AUDIT_DELIVERY_POOL_SIZE, DeliverySettings.MIN_POOL_SIZE, DeliverySettings.MAX_POOL_SIZE),
                sinks(values.tree(SettingKey.AUDIT_DELIVERY_SINKS)));
    }

    /** Each entry a mapping with a unique {@code name} and a {@code type}; the type checks the rest when the sink is built. */
    private static List<SinkSettings> sinks(Optional<JsonNode> tree) {
        if (tree.isEmpty()) {
            return List.of();
        }
        var key = SettingKey.AUDIT_DELIVERY_SINKS.key();
        if (!tree.get().isArray()) {
            throw new InvalidSettings(key, "must be a list of sinks, each a mapping with name and type");
        }
        var sinks = new ArrayList<SinkSettings>();
        var names = new HashSet<String>();
        int index = 0;
        for (var entry : tree.get()) {
            var at = key + "[" + index++ + "]";
            if (!entry.isObject()) {
                throw new InvalidSettings(at, "must be a mapping with name and type");
            }
            var name = scalar(entry, at, "name");
            if (!SINK_NAME.matcher(name).matches()) {
                throw new InvalidSettings(at + ".name", "'%s' must match %s".formatted(name, SINK_NAME.pattern()));
            }
            if (!names.add(name)) {
                throw new InvalidSettings(at + ".name", "'%s' names two sinks; names key the sinks' cursors and must be unique".formatted(name));
            }
            var type = scalar(entry, at, "type").toLowerCase(Locale.ROOT);
            var options = new LinkedHashMap<String, JsonNode>();
            entry.fields().forEachRemaining(member -> options.put(member.getKey(), member.getValue()));
            options.remove("name");
            options.remove("type");
            sinks.add(new SinkSettings(at, name, type, options));
        }
        return sinks;
    }

    private static String scalar(JsonNode entry, String at, String member) {
        var node = entry.get(member);
        if (node == null || node.isNull() || node.isContainerNode() || node.asText().isBlank()) {
            throw new InvalidSettings(at + "." + member, "a value is required");
        }
        return node.asText().trim();
    }
}
