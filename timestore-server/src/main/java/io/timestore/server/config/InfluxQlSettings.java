package io.timestore.server.config;

import java.util.Locale;
import java.util.Objects;

/**
 * InfluxQL on {@code /query} (docs/influxql.md).
 *
 * @param auditStatement what the audit event's {@code details.statement} holds of the query
 */
public record InfluxQlSettings(AuditedStatement auditStatement) {
    /** The query as audited: {@code redacted} (the default), {@code full} or {@code none}. */
    public enum AuditedStatement {
        /** Every string, number, duration and regular-expression literal replaced by {@code ?}: tag values never reach the trail. */
        REDACTED,
        /** The query as sent, literals included (tag values, time bounds, patterns). */
        FULL,
        /** No {@code details.statement} at all. */
        NONE;

        /** The setting's value for this mode. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final InfluxQlSettings DEFAULTS = new InfluxQlSettings(AuditedStatement.REDACTED);

    public InfluxQlSettings {
        Objects.requireNonNull(auditStatement, "auditStatement");
    }
}
