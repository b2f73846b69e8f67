package io.timestore.server.tokens;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.timestore.security.SecurityContext;
import io.timestore.security.TokenPermission;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.Resource;
import io.timestore.security.tokens.ApiTokens;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.credentials.CreatedCredential;
import io.timestore.server.credentials.CredentialLifecycle;
import io.timestore.server.credentials.NewCredential;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.Permissions;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Creating, listing and revoking a tenant's API tokens. The secret exists only in the response
 * to its creation; the table keeps its HMAC. Every change commits its audit event with it.
 */
public final class TokenService {
    private final TokenRecords records;
    private final ApiTokens tokens;
    private final DatasetService datasets;
    private final Permissions permissions;
    private final CredentialLifecycle<TokenRecords.Listed> lifecycle;

    public TokenService(Transactions transactions, TokenRecords records, ApiTokens tokens, DatasetService datasets,
                        Permissions permissions, InstantSource clock) {
        this.records = records;
        this.tokens = tokens;
        this.datasets = datasets;
        this.permissions = permissions;
        this.lifecycle = new CredentialLifecycle<>(transactions, TokenRecords.TABLE, "API token", records::listed, clock);
    }

    /**
     * Creates a token carrying only what the caller may do itself (docs/authorization.md, "Minting
     * credentials"), decided in the transaction that stores it, and commits {@code reply} (what the
     * client will be sent) with it.
     *
     * @throws InvalidRequest 400 when a permission names a dataset the tenant does not have
     * @throws io.timestore.server.problems.Forbidden 403 when the caller may not do what a permission grants
     */
    public CreatedCredential<List<TokenPermission>> create(SecurityContext security, RequestAudit audit,
                                                           NewCredential<List<TokenPermission>> request,
                                                           Function<CreatedCredential<List<TokenPermission>>, Reply> reply) {
        CredentialLifecycle.describe(audit, request,
                details -> details.detail("permissions", records.permissionsJson(request.own()).toString()));
        var minted = tokens.mint();
        return lifecycle.create(security, audit, request, minted.id(), minted.token(), connection -> {
            requireGrantable(connection, security, request.own());
            audit.resource(minted.id());
            return records.insert(connection, security.tenant(), minted.id(), request.name(), minted.hash(), request.own(),
                    request.expiresAt(), security.principal().subject());
        }, reply);
    }

    /**
     * A permission naming datasets is decided on each of them as it is now (its access block), read
     * so that the block cannot change before this transaction commits; they must exist, or the block
     * a later dataset of that name gets could not have been decided. An all-datasets permission, and
     * one for a tenant-level action, is decided on the tenant: the tenant defaults.
     */
    private void requireGrantable(Connection connection, SecurityContext security, List<TokenPermission> requested)
            throws SQLException {
        var grants = new ArrayList<Map.Entry<Action, Resource>>();
        var missing = new ArrayList<FieldError>();
        for (int i = 0; i < requested.size(); i++) {
            var permission = requested.get(i);
            var action = Action.parse(permission.action())
                    .orElseThrow(() -> new IllegalArgumentException("unvalidated action " + permission.action()));
            if (!action.datasetScoped() || permission.datasets().isEmpty()) {
                grants.add(Map.entry(action, Resource.tenant(security.tenant())));
                continue;
            }
            for (var name : new TreeSet<>(permission.datasets().get())) {
                var dataset = datasets.findForGrant(connection, security.tenant(), name);
                if (dataset.isEmpty()) {
                    missing.add(FieldError.at("/permissions/%d/datasets".formatted(i),
                            "no dataset '%s' in this tenant; a token names only existing datasets".formatted(name)));
                } else {
                    grants.add(Map.entry(action, dataset.get().resource()));
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new InvalidRequest("the token names datasets that do not exist", missing);
        }
        for (var grant : grants) {
            permissions.requireTokenGrant(security, grant.getKey(), grant.getValue());
        }
    }

    /** Permissions as stored and shown (see {@link TokenRecords#permissionsJson}). */
    ArrayNode permissionsJson(List<TokenPermission> permissions) {
        return records.permissionsJson(permissions);
    }

    /** Listing and revocation, the same for every credential kind. */
    CredentialLifecycle<TokenRecords.Listed> lifecycle() {
        return lifecycle;
    }
}
