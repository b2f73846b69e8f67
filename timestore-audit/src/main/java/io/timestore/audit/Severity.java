package io.timestore.audit;

import io.timestore.audit.canonical.Labels;
import java.util.Locale;

/**
 * How much attention an event deserves; serialised in lower case ({@code info}, {@code warn},
 * {@code error}, {@code security}).
 */
public enum Severity {
    /** The request did what was asked. */
    INFO,
    /** The caller's request was refused as invalid or conflicting (4xx other than a denial). */
    WARN,
    /** The server failed (5xx). */
    ERROR,
    /**
     * Security-relevant: denials, failed authentication, cross-tenant reads by platform operators,
     * purges, verification failures.
     */
    SECURITY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a label case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code label} is unknown
     */
    public static Severity fromLabel(String label) {
        return Labels.parse(Severity.class, label, "severity");
    }

    /** The default severity for an outcome: denied is security, 5xx error, other 4xx warn, else info. */
    public static Severity of(AuditEvent.Outcome outcome) {
        if (outcome.result() == AuditEvent.Result.DENIED) {
            return SECURITY;
        }
        if (outcome.status() >= 500) {
            return ERROR;
        }
        return outcome.status() >= 400 ? WARN : INFO;
    }
}
