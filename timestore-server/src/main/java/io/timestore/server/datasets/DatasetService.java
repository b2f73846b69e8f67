package io.timestore.server.datasets;

import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.Resource;
import io.timestore.security.authz.RouteKind;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.compaction.PointLocks;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.Permissions;
import io.timestore.server.problems.Conflict;
import io.timestore.server.problems.Forbidden;
import io.timestore.server.problems.NotFound;
import io.timestore.server.problems.ProblemType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A tenant's datasets: create, read, change (optimistically, by revision) and delete, each change
 * committing its audit event with it (G4). Also the one place other features (points, refresh)
 * resolve a dataset and check the caller's permission on it. A dataset of another tenant is
 * invisible (row-level security) and so gives the same 404 as a missing one. Thread-safe.
 */
public final class DatasetService {
    private final Transactions transactions;
    private final DatasetStore store;
    private final Permissions permissions;

    public DatasetService(Transactions transactions, DatasetStore store, Permissions permissions) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.store = Objects.requireNonNull(store, "store");
        this.permissions = Objects.requireNonNull(permissions, "permissions");
    }

    /**
     * Creates a dataset at revision 1 and commits {@code reply} (what the client will be sent) with
     * it; 409 when the tenant already has one with this id.
     */
    public Dataset create(SecurityContext security, RequestAudit audit, String id, DatasetStore.Metadata metadata,
                          Function<Dataset, Reply> reply) {
        audit.dataset(id);
        return transactions.inTenant(security.tenant(), connection -> {
            var created = store.insert(connection, security.tenant(), id, metadata, security.principal().subject())
                    .orElseThrow(() -> new Conflict(ProblemType.CONFLICT, "dataset '%s' already exists".formatted(id)));
            audit.revision(null, created.revision());
            audit.commit(connection, reply.apply(created));
            return created;
        });
    }

    /**
     * The dataset {@code id} of the caller's tenant, once the caller is allowed {@code action} on it.
     *
     * @throws NotFound  when the tenant has no such dataset
     * @throws Forbidden when the caller may not
     */
    public Dataset authorize(SecurityContext security, String id, Action action, RouteKind route) {
        var dataset = find(security, id);
        permissions.require(security, action, dataset.resource(), route);
        return dataset;
    }

    /**
     * As {@link #authorize(SecurityContext, String, Action, RouteKind)}, and marks {@code audit}
     * when only a legacy-mode rule admitted the request (ingestion and query routes), so the event
     * says {@code auth_method: legacy} and the request is counted.
     */
    public Dataset authorize(SecurityContext security, RequestAudit audit, String id, Action action, RouteKind route) {
        return admitted(find(security, id), security, audit, action, route);
    }

    /** The decision on {@code dataset}, marking {@code audit} when only a legacy-mode rule admitted it. */
    private Dataset admitted(Dataset dataset, SecurityContext security, RequestAudit audit, Action action, RouteKind route) {
        permissions.require(security, action, dataset.resource(), route).legacyRule().ifPresent(audit::legacy);
        return dataset;
    }

    /**
     * As {@link #authorize(SecurityContext, RequestAudit, String, Action, RouteKind)}, inside the
     * caller's tenant transaction {@code connection}, for a read that wants the decision and its
     * rows from one transaction.
     */
    public Dataset authorize(Connection connection, SecurityContext security, RequestAudit audit, String id, Action action,
                             RouteKind route) throws SQLException {
        return admitted(store.find(connection, security.tenant(), id).orElseThrow(() -> missing(id)), security, audit, action,
                route);
    }

    /**
     * The statement of the dataset row that {@link #authorize(ResultSet, SecurityContext, RequestAudit,
     * String, Action, RouteKind)} reads, its parameters the tenant and the dataset's id: for a read
     * that sends it as its transaction's first statement, with the tenant setting, in one round trip
     * ({@code Transactions.inTenantWithGenericPlansFrom}).
     */
    public static String findStatement() {
        return DatasetStore.FIND;
    }

    /**
     * As {@link #authorize(Connection, SecurityContext, RequestAudit, String, Action, RouteKind)},
     * given the rows of {@link #findStatement()} for the caller's tenant and {@code id}, run in the
     * caller's tenant transaction: the same decision on the same row.
     */
    public Dataset authorize(ResultSet found, SecurityContext security, RequestAudit audit, String id, Action action,
                             RouteKind route) throws SQLException {
        return admitted(store.found(found).orElseThrow(() -> missing(id)), security, audit, action, route);
    }

    /**
     * Inside the caller's tenant transaction {@code connection}: the dataset {@code id} as it is now,
     * kept from changing or being deleted until the transaction ends. For a grant decided on the
     * dataset's access block (an API token naming it): the grant then commits before any change to
     * the block, never after it on a decision the change has made stale. Empty when it does not exist.
     */
    public Optional<Dataset> findForGrant(Connection connection, TenantId tenant, String id) throws SQLException {
        return store.findForShare(connection, tenant, id);
    }

    /** A page of the tenant's datasets by id, after {@code afterId} ("" for the first page). */
    public List<Dataset> page(SecurityContext security, String afterId, int limit) {
        return transactions.inTenant(security.tenant(), connection -> store.page(connection, security.tenant(), afterId, limit));
    }

    /** Whether the caller may do {@code action} on {@code dataset}, without failing. */
    public boolean allowed(SecurityContext security, Resource.Dataset dataset, Action action) {
        try {
            permissions.require(security, action, dataset, RouteKind.OTHER);
            return true;
        } catch (Forbidden | NotFound denied) {
            return false;
        }
    }

    /**
     * Applies {@code change} to the dataset if it is still at {@code expectedRevision}, and commits
     * {@code reply} with it.
     *
     * @throws Conflict 412 {@code precondition_failed} when the revision moved on
     */
    public Dataset update(SecurityContext security, RequestAudit audit, String id, long expectedRevision,
                          UnaryOperator<DatasetStore.Metadata> change, Function<Dataset, Reply> reply) {
        audit.dataset(id);
        return transactions.inTenant(security.tenant(), connection -> {
            var current = lockAdministered(connection, security, id);
            if (current.revision() != expectedRevision) {
                throw new Conflict(ProblemType.PRECONDITION_FAILED, "If-Match names revision %d but dataset '%s' is at revision %d"
                        .formatted(expectedRevision, id, current.revision()));
            }
            var metadata = change.apply(new DatasetStore.Metadata(current.description(), current.labels(),
                    current.access(), current.retentionDays()));
            var updated = store.update(connection, current, metadata, security.principal().subject())
                    .orElseThrow(() -> new IllegalStateException("dataset row locked but not updated"));
            audit.revision(current.revision(), updated.revision());
            audit.commit(connection, reply.apply(updated));
            return updated;
        });
    }

    /**
     * Deletes the dataset with its series, points and refresh runs. The dataset's chunk lock is
     * taken before its row, after the caller is found to administer it: waiting for the lock (at
     * most {@link PointLocks#CHUNK_LOCK_WAIT}) with the row locked would hold up the dataset's writes.
     * The row is waited for as long at most, since the chunk lock is held meanwhile. One
     * authorization decision, unless the dataset changed in between.
     */
    public void delete(SecurityContext security, RequestAudit audit, String id) {
        audit.dataset(id);
        transactions.inTenant(security.tenant(), connection -> {
            var seen = store.find(connection, security.tenant(), id).orElseThrow(() -> missing(id));
            permissions.require(security, Action.DATASET_ADMIN, seen.resource(), RouteKind.OTHER);
            PointLocks.lockChunks(connection, security.tenant(), id);
            var current = PointLocks.withinChunkLockWait(connection, locking -> store.findForUpdate(locking, security.tenant(), id))
                    .orElseThrow(() -> missing(id));
            if (!current.resource().equals(seen.resource())) {
                // Changed while the chunk lock was waited for: decided again, on the locked row. Unchanged, the
                // decision would be the same one, counted and traced twice.
                permissions.require(security, Action.DATASET_ADMIN, current.resource(), RouteKind.OTHER);
            }
            long points = store.delete(connection, security.tenant(), id);
            audit.revision(current.revision(), null).detail("points_deleted", points);
            audit.commit(connection, 204);
            return null;
        });
    }

    /**
     * Inside a writing transaction: keeps the dataset from being deleted until the transaction
     * ends (concurrent writers do not block each other); which incarnation of the id it holds.
     *
     * @throws NotFound when the dataset no longer exists
     */
    public DatasetIncarnation hold(Connection connection, TenantId tenant, String id) throws SQLException {
        return store.hold(connection, tenant, id).orElseThrow(() -> missing(id));
    }

    /**
     * The statement {@link #hold} runs, its parameters the tenant and the dataset's id: for a write
     * that sends it as its transaction's first statement, with the tenant setting, in one round trip
     * ({@code Transactions.inTenantWritingWithGenericPlansFrom}); {@link #held} reads its rows.
     */
    public static String holdStatement() {
        return DatasetStore.HOLD;
    }

    /**
     * As {@link #hold}, given the rows of {@link #holdStatement()} for the caller's tenant and {@code id}.
     *
     * @throws NotFound when the dataset no longer exists
     */
    public DatasetIncarnation held(ResultSet rows, String id) throws SQLException {
        return store.held(rows).orElseThrow(() -> missing(id));
    }

    /** The dataset's row in one round trip (the tenant setting, the SELECT and the COMMIT sent at once). */
    private Dataset find(SecurityContext security, String id) {
        return transactions.selectInTenant(security.tenant(), DatasetStore.FIND, statement -> {
            statement.setString(2, security.tenant().value());
            statement.setString(3, id);
        }, store::found).orElseThrow(() -> missing(id));
    }

    private Dataset lockAdministered(Connection connection, SecurityContext security, String id) throws SQLException {
        var current = store.findForUpdate(connection, security.tenant(), id).orElseThrow(() -> missing(id));
        permissions.require(security, Action.DATASET_ADMIN, current.resource(), RouteKind.OTHER);
        return current;
    }

    private static NotFound missing(String id) {
        return new NotFound("no dataset '%s' in this tenant".formatted(id));
    }
}
