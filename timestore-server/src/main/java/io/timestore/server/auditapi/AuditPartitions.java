package io.timestore.server.auditapi;

import io.javalin.http.Context;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.Severity;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.TenantWork;
import io.timestore.server.db.Transactions;
import io.timestore.server.problems.Forbidden;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which audit partitions a request of the audit API reads (its caller's own, or for a platform
 * operator those it names with {@code tenant}), and the transaction to read them in: a tenant
 * transaction for one tenant's partition, the platform path otherwise. Shared by the event and the
 * log routes. Thread-safe.
 */
final class AuditPartitions {
    private final Transactions transactions;

    AuditPartitions(Transactions transactions) {
        this.transactions = transactions;
    }

    /**
     * The partitions a request reads, and how it asked for them: {@code requested} is what a cursor
     * is bound to ({@code *} stays {@code *}, so a tenant's first event between two pages does not
     * invalidate the cursor), {@code names} what {@code *} stood for when the request was made.
     */
    record Partitions(List<String> names, String requested) {}

    /**
     * The partitions this request reads: the caller's own (the partition its own event goes to:
     * its tenant, or {@code _platform} for an operator that named no tenant with X-Tenant-ID), or
     * for a platform operator the partitions it names ({@code tenant=a&tenant=b},
     * {@code tenant=a,b}, {@code _platform}, or {@code *} for all).
     */
    Partitions partitions(Context ctx, SecurityContext security, RequestAudit audit) {
        var own = audit.partition();
        var named = new ArrayList<String>();
        ctx.queryParams("tenant").forEach(value -> {
            for (var part : value.split(",")) {
                if (!part.isBlank()) {
                    named.add(part.strip());
                }
            }
        });
        if (named.isEmpty() || (named.size() == 1 && named.getFirst().equals(own))) {
            return new Partitions(List.of(own), own);
        }
        if (!security.principal().hasRole(Principal.PLATFORM_OPERATOR_ROLE)
                || security.principal().authMethod() != io.timestore.security.AuthMethod.JWT) {
            throw new Forbidden("only platform operators read other tenants' audit events",
                    Optional.of(Principal.PLATFORM_OPERATOR_ROLE), Optional.empty());
        }
        audit.atLeast(Severity.SECURITY);
        if (named.contains("*")) {
            return new Partitions(transactions.asPlatform(connection -> {
                var all = new ArrayList<String>();
                try (var rows = connection.createStatement().executeQuery("SELECT DISTINCT tenant_id FROM audit_events ORDER BY 1")) {
                    while (rows.next()) {
                        all.add(rows.getString(1));
                    }
                }
                return all;
            }), "*");
        }
        for (var partition : named) {
            if (!partition.equals(AuditEvent.PLATFORM_PARTITION) && io.timestore.security.TenantId.parse(partition).isEmpty()) {
                throw new InvalidRequest("tenant must list tenant ids, _platform or *");
            }
        }
        var names = named.stream().distinct().sorted().toList();
        return new Partitions(names, String.join(",", names));
    }

    /**
     * The one partition a request reads: its caller's own, or the one an operator names.
     *
     * @throws InvalidRequest if the request names several
     */
    String one(Context ctx, SecurityContext security, RequestAudit audit) {
        var names = partitions(ctx, security, audit).names();
        if (names.size() != 1) {
            throw new InvalidRequest("the log is read one partition at a time",
                    List.of(FieldError.at("/tenant", "name one tenant id or _platform")));
        }
        return names.getFirst();
    }

    /**
     * As {@link #read} for one partition, {@code work} continuing after the transaction's first
     * statement {@code sql} (one SELECT with {@code parameters}): for a tenant's partition that
     * statement travels with the tenant setting ({@link Transactions#inTenantFrom}), one round trip
     * fewer; on the platform path it is run as the first statement of the work.
     */
    <T> T readFrom(String partition, String sql, List<?> parameters, Transactions.AfterFirst<T> work) {
        if (!partition.equals(AuditEvent.PLATFORM_PARTITION)) {
            return transactions.inTenantFrom(new io.timestore.security.TenantId(partition), sql, parameters, work);
        }
        return transactions.asPlatform(connection -> {
            try (var statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < parameters.size(); i++) {
                    statement.setObject(i + 1, parameters.get(i));
                }
                // As on the tenant path: every row is read at once, since the work may end the
                // transaction with an in-band COMMIT (PostgresNodeStore.lastReadIn) while they are open.
                statement.setFetchSize(0);
                try (var rows = statement.executeQuery()) {
                    return work.run(rows, connection);
                }
            }
        });
    }

    /** Runs {@code work} in a transaction that sees {@code partitions}: the tenant's own, or the platform path. */
    <T> T read(List<String> partitions, TenantWork<T> work) {
        if (partitions.size() == 1 && !partitions.getFirst().equals(AuditEvent.PLATFORM_PARTITION)) {
            return transactions.inTenant(new io.timestore.security.TenantId(partitions.getFirst()), work);
        }
        return transactions.asPlatform(work);
    }
}
