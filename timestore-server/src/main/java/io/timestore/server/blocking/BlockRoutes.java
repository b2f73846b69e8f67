package io.timestore.server.blocking;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.Severity;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.http.CursorPosition;
import io.timestore.server.http.CursorScope;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.Listing;
import io.timestore.server.http.Pages;
import io.timestore.server.http.PathParameters;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.Replies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import java.util.Objects;
/**
 * {@code /admin/v1/blocks}: platform operators list the blocks in force and lift one
 * ({@code tenant:admin}; docs/security.md, "Automatic blocking"). Both are audited in
 * {@code _platform} with severity {@code security}; lifting also writes the block's end event.
 */
public final class BlockRoutes implements RouteGroup {
    private static final ApiOperation LIST = ApiOperation.read("tenant:admin", "blocking", "block");
    private static final ApiOperation LIFT = ApiOperation.mutation("tenant:admin", "blocking", "block");

    private final Blocks blocks;
    private final Permissions permissions;
    private final Cursors cursors;
    private final ObjectMapper json;

    public BlockRoutes(Blocks blocks, Permissions permissions, Cursors cursors, ObjectMapper json) {
        this.blocks = Objects.requireNonNull(blocks, "blocks");
        this.permissions = Objects.requireNonNull(permissions, "permissions");
        this.cursors = Objects.requireNonNull(cursors, "cursors");
        this.json = Objects.requireNonNull(json, "json");
    }

    @Override
    public void register(Routes routes) {
        routes.platform(HandlerType.GET, "/admin/v1/blocks", LIST, this::list);
        routes.platform(HandlerType.DELETE, "/admin/v1/blocks/{block}", LIFT, this::lift);
    }

    private void list(Context ctx, SecurityContext security, RequestAudit audit) {
        audit.atLeast(Severity.SECURITY);
        permissions.require(security, LIST.action());
        int limit = Pages.limit(ctx);
        var scope = CursorScope.of(Listing.BLOCKS, AuditEvent.PLATFORM_PARTITION);
        var after = cursors.after(ctx, scope, CursorPosition.Reader::uuid);
        var page = blocks.list(after, limit + 1);
        var body = json.createObjectNode();
        var items = body.putArray("items");
        page.stream().limit(limit).forEach(block -> items.add(json(block)));
        if (page.size() > limit) {
            var last = page.get(limit - 1).id();
            body.put("next_cursor", cursors.encode(scope, position -> position.uuid(last)));
        }
        ctx.json(body);
    }

    private void lift(Context ctx, SecurityContext security, RequestAudit audit) {
        audit.atLeast(Severity.SECURITY);
        permissions.require(security, LIFT.action());
        var id = PathParameters.uuid(ctx, "block", "the block id must be a UUID, as listed by GET /admin/v1/blocks");
        audit.resource(id.toString());
        var lifted = blocks.lift(security, audit, id, block -> Reply.json(200, json(block)));
        Replies.send(ctx, Reply.json(200, json(lifted)));
    }

    private ObjectNode json(Block block) {
        var node = json.createObjectNode()
                .put("id", block.id().toString())
                .put("kind", block.subject().kind().label())
                .put("subject", block.subject().value())
                .put("failures", block.failures())
                .put("started_at", block.startedAt().toString())
                .put("until", block.until().toString());
        block.endedAt().ifPresent(ended -> node.put("ended_at", ended.toString()));
        block.endReason().ifPresent(reason -> node.put("end_reason", reason));
        block.liftedBy().ifPresent(operator -> node.put("lifted_by", operator));
        return node;
    }
}
