package io.timestore.server.shares;

import io.timestore.security.SecurityContext;
import io.timestore.security.TenantDirectory;
import io.timestore.security.TenantId;
import io.timestore.security.TenantStatus;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.RouteKind;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.Permissions;
import io.timestore.server.problems.Conflict;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.problems.NotFound;
import io.timestore.server.problems.ProblemType;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Read-only shares of a dataset with other tenants (BR-003). The owner's tenant admins make,
 * list and revoke them ({@code dataset:admin} on the dataset); a grantee's caller reads through
 * one when the share exists and the caller holds its scope. Row-level security enforces the
 * same share at the database (V10__dataset_shares.sql). Thread-safe.
 */
public final class ShareService {
    /** What a grantee may read through a share: the owner's dataset and its retention. */
    public record SharedDataset(TenantId owner, String dataset, OptionalInt retentionDays) {}

    /** A share to make: the grantee and what the share must carry. */
    public record Request(TenantId grantee, String scope, String rationale, String owner) {
        public Request {
            Objects.requireNonNull(grantee, "grantee");
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(rationale, "rationale");
            Objects.requireNonNull(owner, "owner");
        }
    }

    private final Transactions transactions;
    private final DatasetService datasets;
    private final Permissions permissions;
    private final TenantDirectory tenants;
    private static final int PAGE = 500;

    private final ShareStore store = new ShareStore();

    public ShareService(Transactions transactions, DatasetService datasets, Permissions permissions, TenantDirectory tenants) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.datasets = Objects.requireNonNull(datasets, "datasets");
        this.permissions = Objects.requireNonNull(permissions, "permissions");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
    }

    /**
     * Shares {@code dataset} with the request's grantee and commits the audit event and
     * {@code reply} (what the client will be sent) with it.
     *
     * @throws InvalidRequest 400 when the grantee is the caller's own tenant or no active tenant
     * @throws Conflict       409 when the dataset is already shared with the grantee
     * @throws io.timestore.server.problems.Forbidden 403 when the caller may not administer the dataset, or
     *                        may not read it (a share gives only what its creator may do itself)
     */
    public Share create(SecurityContext security, RequestAudit audit, String dataset, Request request,
                        Function<Share, Reply> reply) {
        datasets.authorize(security, dataset, Action.DATASET_ADMIN, RouteKind.OTHER);
        // A share grants read: like a credential, it carries only what its creator may do itself. A
        // dataset admin the read block excludes (a tenant admin, by the admin override) must not hand
        // the data to callers of another tenant, whom it may well control.
        datasets.authorize(security, dataset, Action.DATASET_READ, RouteKind.OTHER);
        if (request.grantee().equals(security.tenant())) {
            throw new InvalidRequest("a dataset cannot be shared with its own tenant",
                    List.of(FieldError.at("/tenant", "the owner's own tenant")));
        }
        if (tenants.status(request.grantee()) != TenantStatus.ACTIVE) {
            throw new InvalidRequest("tenant '%s' is unknown or disabled".formatted(request.grantee().value()),
                    List.of(FieldError.at("/tenant", "not an active tenant")));
        }
        audit.resource(security.tenant().value() + "/" + dataset + "/shares/" + request.grantee().value())
                .detail("grantee", request.grantee().value()).detail("scope", request.scope());
        return transactions.inTenant(security.tenant(), connection -> {
            datasets.hold(connection, security.tenant(), dataset);
            var created = store.insert(connection, security.tenant(), dataset, request, security.principal().subject()).orElseThrow(() -> new Conflict(ProblemType.CONFLICT,
                    "dataset '%s' is already shared with tenant '%s'; revoke the share to change it"
                            .formatted(dataset, request.grantee().value())));
            audit.commit(connection, reply.apply(created));
            return created;
        });
    }

    /** The shares of {@code dataset}, by grantee. */
    public List<Share> list(SecurityContext security, String dataset) {
        datasets.authorize(security, dataset, Action.DATASET_ADMIN, RouteKind.OTHER);
        return transactions.inTenant(security.tenant(), connection -> store.list(connection, security.tenant(), dataset));
    }

    /**
     * Revokes the share of {@code dataset} with {@code grantee}; reads through it stop at once.
     *
     * @throws NotFound when there is no such share
     */
    public void revoke(SecurityContext security, RequestAudit audit, String dataset, TenantId grantee) {
        datasets.authorize(security, dataset, Action.DATASET_ADMIN, RouteKind.OTHER);
        audit.resource(security.tenant().value() + "/" + dataset + "/shares/" + grantee.value())
                .detail("grantee", grantee.value());
        transactions.inTenant(security.tenant(), connection -> {
            if (!store.delete(connection, security.tenant(), dataset, grantee)) {
                throw new NotFound("dataset '%s' is not shared with tenant '%s'".formatted(dataset, grantee.value()));
            }
            audit.commit(connection, 204);
            return null;
        });
    }

    /**
     * The datasets shared with the caller's tenant that the caller may read (it holds the share's
     * scope), as {@link SharedDataset}s without retention, by owner and dataset; at most {@code max}
     * + 1, so the caller can tell that there are more than {@code max}.
     */
    public List<SharedDataset> readable(SecurityContext security, int max) {
        var readable = new java.util.ArrayList<SharedDataset>();
        var after = new String[] {"", ""};
        while (readable.size() <= max) {
            var page = transactions.inTenant(security.tenant(),
                    connection -> store.received(connection, security.tenant(), after[0], after[1], PAGE));
            for (var share : page) {
                if (readable.size() <= max && mayRead(security, share)) {
                    readable.add(new SharedDataset(share.tenant(), share.dataset(), OptionalInt.empty()));
                }
            }
            if (page.size() < PAGE) {
                break;
            }
            after[0] = page.getLast().tenant().value();
            after[1] = page.getLast().dataset();
        }
        return readable;
    }

    private boolean mayRead(SecurityContext security, Share share) {
        try {
            permissions.require(security, Action.DATASET_READ, share.readResource(), RouteKind.OTHER);
            return true;
        } catch (io.timestore.server.problems.Forbidden | NotFound denied) {
            return false;
        }
    }

    /**
     * The owner's dataset, once the caller's tenant holds a share of it and the caller its scope.
     * Looked up in the caller's own tenant transaction {@code connection}, where row-level security shows only shares made
     * to its tenant: no share and no dataset look the same (404), so names do not leak.
     *
     * @throws NotFound  when {@code owner} has not shared {@code dataset} with the caller's tenant
     * @throws io.timestore.server.problems.Forbidden when the caller lacks the share's scope
     */
    public SharedDataset authorizeRead(Connection connection, SecurityContext security, TenantId owner, String dataset)
            throws SQLException {
        var readable = store.findReadable(connection, owner, dataset, security.tenant())
                .orElseThrow(() -> new NotFound("no dataset '%s' shared by tenant '%s' with this tenant"
                        .formatted(dataset, owner.value())));
        // Never a query route: the legacy global query scope does not reach across tenants.
        permissions.require(security, Action.DATASET_READ, readable.share().readResource(), RouteKind.OTHER);
        return new SharedDataset(owner, dataset, readable.retentionDays());
    }
}
