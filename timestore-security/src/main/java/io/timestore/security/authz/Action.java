package io.timestore.security.authz;

import java.util.Optional;

/**
 * What a caller wants to do (docs/architecture.md §6). The {@link #label()} is the public name: it appears in
 * API token permissions, in configuration, in audit events and in problem details; never rename one.
 *
 * <p>Dataset actions ({@link #datasetScoped()}) may target a {@link Resource.Dataset} or, for
 * tenant-wide operations such as listing or creating datasets, the {@link Resource.Tenant}. The
 * other actions target the tenant only.
 */
public enum Action {
    DATASET_READ("dataset:read", true),
    DATASET_WRITE("dataset:write", true),
    DATASET_ADMIN("dataset:admin", true),
    REFRESH_READ("refresh:read", true),
    REFRESH_WRITE("refresh:write", true),
    AUDIT_LIST("audit:list", false),
    AUDIT_GET("audit:get", false),
    TOKEN_MANAGE("token:manage", false),
    TENANT_ADMIN("tenant:admin", false);

    private static final Action[] VALUES = values();

    private final String label;
    private final boolean datasetScoped;

    Action(String label, boolean datasetScoped) {
        this.label = label;
        this.datasetScoped = datasetScoped;
    }

    /** The stable public name, for example {@code dataset:read}. */
    public String label() {
        return label;
    }

    /** True when the action may target a single dataset. */
    public boolean datasetScoped() {
        return datasetScoped;
    }

    /** True for {@code audit:list} and {@code audit:get}, whose decisions carry an {@link AuditView}. */
    public boolean isAudit() {
        return this == AUDIT_LIST || this == AUDIT_GET;
    }

    /** This action's bit in a {@code long} action mask. */
    long bit() {
        return 1L << ordinal();
    }

    /** Parses a public label exactly (case-sensitive); empty when it names no action. */
    public static Optional<Action> parse(String label) {
        if (label != null) {
            for (Action action : VALUES) {
                if (action.label.equals(label)) {
                    return Optional.of(action);
                }
            }
        }
        return Optional.empty();
    }
}
