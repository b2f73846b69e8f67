package io.timestore.security.authz;

/**
 * How much of an audit event a caller allowed {@code audit:list} or {@code audit:get} may see
 * (docs/architecture.md §7). Redaction at write time already removed secrets; {@link #REDACTED} masks more at
 * read time (the {@code support} role's view).
 */
public enum AuditView {
    FULL("full"),
    REDACTED("redacted");

    private final String label;

    AuditView(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
