package io.timestore.security.authz;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link Authorizer#decide}: {@link Allowed} or {@link Denied}. Immutable; the
 * common outcomes are shared constants, so comparing with {@code equals} is right and {@code ==}
 * is not.
 */
public sealed interface Decision permits Decision.Allowed, Decision.Denied {

    boolean allowed();

    /**
     * The action may proceed.
     *
     * @param auditView  for {@code audit:list} and {@code audit:get}: how much of each event the caller
     *                   may see; empty for every other action
     * @param legacyRule present when only a legacy-mode rule admitted the request: the server audits it
     *                   with {@code auth_method: legacy} and counts it in
     *                   {@code timestore_legacy_requests_total{route,rule}}
     */
    record Allowed(Optional<AuditView> auditView, Optional<LegacyRule> legacyRule) implements Decision {
        static final Allowed PLAIN = new Allowed(Optional.empty(), Optional.empty());
        static final Allowed AUDIT_FULL = new Allowed(Optional.of(AuditView.FULL), Optional.empty());
        static final Allowed AUDIT_REDACTED = new Allowed(Optional.of(AuditView.REDACTED), Optional.empty());
        static final Allowed LEGACY_QUERY = new Allowed(Optional.empty(), Optional.of(LegacyRule.GLOBAL_QUERY_SCOPE));
        static final Allowed LEGACY_INGEST = new Allowed(Optional.empty(), Optional.of(LegacyRule.UNAUTHENTICATED_INGEST));

        public Allowed {
            Objects.requireNonNull(auditView, "auditView");
            Objects.requireNonNull(legacyRule, "legacyRule");
        }

        @Override
        public boolean allowed() {
            return true;
        }
    }

    /**
     * The action is refused. The server answers 403 {@code code: forbidden} with {@code missing_role}
     * and/or {@code missing_scope} — except for {@link Reason#TENANT_MISMATCH} (answer 404, as for a
     * dataset that does not exist) and {@link Reason#AUTHENTICATION_REQUIRED} (answer 401).
     *
     * @param reason       why, as a stable code
     * @param detail       a client-safe sentence (no credential fragment); names the action
     * @param missingRole  a role that would satisfy the action, when one exists
     * @param missingScope a scope that would satisfy the action, when one exists
     */
    record Denied(Reason reason, String detail, Optional<String> missingRole, Optional<String> missingScope)
            implements Decision {

        public Denied {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(missingRole, "missingRole");
            Objects.requireNonNull(missingScope, "missingScope");
        }

        @Override
        public boolean allowed() {
            return false;
        }
    }

    /** Why a decision denied. Codes are stable (audit details, logs); never rename one. */
    enum Reason {
        /** No held role or scope grants the action (tenant defaults or the dataset's block). */
        ROLE_OR_SCOPE_MISSING("role_or_scope_missing"),
        /** The API token has no permission for the action on this resource. */
        TOKEN_PERMISSION_MISSING("token_permission_missing"),
        /** A platform operator acting on another tenant holds only platform-wide authority there. */
        FOREIGN_TENANT_OPERATOR("foreign_tenant_operator"),
        /** The resource belongs to another tenant than the request's: answer 404, never 403. */
        TENANT_MISMATCH("tenant_mismatch"),
        /** An unauthenticated (legacy) caller and no enabled legacy rule admits it: answer 401. */
        AUTHENTICATION_REQUIRED("authentication_required");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }
}
