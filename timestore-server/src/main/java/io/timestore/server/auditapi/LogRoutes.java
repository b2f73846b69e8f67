package io.timestore.server.auditapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.audit.AuditJson;
import io.timestore.audit.CanonicalEncoding;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.tlog.LogOrigin;
import io.timestore.audit.tlog.MissingNodes;
import io.timestore.audit.tlog.NodeId;
import io.timestore.audit.tlog.Note;
import io.timestore.audit.tlog.NoteVerifierKey;
import io.timestore.audit.tlog.PostgresNodeStore;
import io.timestore.audit.tlog.PostgresTreeCheckpoints;
import io.timestore.audit.tlog.ProofJson;
import io.timestore.audit.tlog.Receipt;
import io.timestore.audit.tlog.TreeHash;
import io.timestore.audit.tlog.TreeProofs;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.AuditView;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.Conflict;
import io.timestore.server.problems.Forbidden;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.problems.NotFound;
import io.timestore.server.problems.ProblemType;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The verifiable log of each partition (docs/transparency-log.md): its latest signed tree
 * checkpoint (a C2SP signed note, as text), the note verifier keys that verify it, inclusion
 * proofs for an event against a tree size, consistency proofs between two tree sizes, an event's
 * leaf (its canonical bytes), and an event's receipt. Read like the other audit routes: the
 * caller's own partition, or for a platform operator the one it names with {@code tenant}; every
 * call is audited. Proofs are computed from the stored nodes in one read ({@link TreeProofs}).
 */
public final class LogRoutes implements RouteGroup {
    private static final ApiOperation LOG = ApiOperation.read("audit:get", "audit", "audit_log");
    private static final String PREFIX = "/api/audit/v1alpha1/";
    private static final String TEXT = "text/plain";
    private static final String OCTETS = "application/octet-stream";

    private final AuditPartitions scopes;
    private final Permissions permissions;
    private final ObjectMapper json;
    private final CheckpointStore keys;
    private final String logName;
    private final Supplier<PublicKey> currentKey;
    private final AuditJson events = new AuditJson();
    private final ProofJson proofs = new ProofJson();

    /**
     * @param keys       the published checkpoint keys (current and earlier ones)
     * @param logName    the deployment's log name ({@code audit.log-name})
     * @param currentKey the key the sequencer signs with now (it changes when the key rotates)
     */
    public LogRoutes(Transactions transactions, Permissions permissions, ObjectMapper json, CheckpointStore keys, String logName,
                     Supplier<PublicKey> currentKey) {
        this.scopes = new AuditPartitions(transactions);
        this.permissions = Objects.requireNonNull(permissions, "permissions");
        this.json = Objects.requireNonNull(json, "json");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.logName = Objects.requireNonNull(logName, "logName");
        this.currentKey = Objects.requireNonNull(currentKey, "currentKey");
    }

    @Override
    public void register(Routes routes) {
        routes.tenantOrPlatform(HandlerType.GET, PREFIX + "log/checkpoint", LOG, List.of(TEXT), this::checkpoint);
        routes.tenantOrPlatform(HandlerType.GET, PREFIX + "log/keys", LOG, this::keys);
        routes.tenantOrPlatform(HandlerType.GET, PREFIX + "log/inclusion", LOG, this::inclusion);
        routes.tenantOrPlatform(HandlerType.GET, PREFIX + "log/consistency", LOG, this::consistency);
        routes.tenantOrPlatform(HandlerType.GET, PREFIX + "events/{event_id}/leaf", LOG, List.of(OCTETS), this::leaf);
        routes.tenantOrPlatform(HandlerType.GET, PREFIX + "events/{event_id}/receipt", LOG, this::receipt);
    }

    private String partition(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, LOG.action());
        return onePartition(ctx, security, audit);
    }

    /** The partition the request reads, for a caller already authorized. */
    private String onePartition(Context ctx, SecurityContext security, RequestAudit audit) {
        String partition = scopes.one(ctx, security, audit);
        audit.detail("partition", partition);
        return partition;
    }

    /**
     * Runs {@code work} in a transaction of {@code partition} after its first statement {@code sql}
     * (sent with the tenant setting, {@link AuditPartitions#readFrom}): each route's first read
     * costs no round trip of its own.
     */
    private <T> T readFrom(String partition, String sql, List<?> parameters, Transactions.AfterFirst<T> work) {
        try {
            return scopes.readFrom(partition, sql, parameters, work);
        } catch (MissingNodes missing) {
            throw new Conflict(ProblemType.AUDIT_PROOF_PENDING,
                    "the log of %s does not hold that tree yet (node %s is missing)".formatted(partition, missing.first()));
        }
    }

    private void checkpoint(Context ctx, SecurityContext security, RequestAudit audit) {
        String partition = partition(ctx, security, audit);
        var latest = readFrom(partition, PostgresTreeCheckpoints.LATEST, List.of(partition),
                        (rows, c) -> PostgresTreeCheckpoints.firstOf(rows))
                .orElseThrow(() -> new NotFound("the log of %s has no signed checkpoint yet".formatted(partition)));
        audit.detail("tree_size", latest.treeSize());
        ctx.contentType(TEXT + "; charset=utf-8").result(latest.note().getBytes(StandardCharsets.UTF_8));
    }

    private void keys(Context ctx, SecurityContext security, RequestAudit audit) {
        String origin = LogOrigin.of(logName, partition(ctx, security, audit));
        var current = NoteVerifierKey.of(origin, currentKey.get()).encode();
        var body = json.createObjectNode().put("origin", origin).put("current", current);
        var all = body.putArray("keys").add(current);
        keys.publicKeys().values().stream().map(k -> NoteVerifierKey.of(origin, k).encode())
                .filter(k -> !k.equals(current)).sorted().forEach(all::add);
        ctx.json(body);
    }

    private void inclusion(Context ctx, SecurityContext security, RequestAudit audit) {
        String partition = partition(ctx, security, audit);
        var eventId = ctx.queryParam("event_id");
        var seqParam = ctx.queryParam("seq");
        if ((eventId == null) == (seqParam == null)) {
            throw new InvalidRequest("name the event with exactly one of event_id and seq",
                    List.of(FieldError.at(eventId == null ? "/event_id" : "/seq", "give event_id or seq, not both")));
        }
        UUID id = eventId == null ? null : parseId(eventId, "/event_id");
        long asked = eventId == null ? positive(seqParam, "/seq") : 0;
        // Three statements in two round trips: the event with the tree's sizes (sent with the
        // tenant setting), then the proof's nodes with the transaction's COMMIT.
        var body = readFrom(partition, id != null ? LogStore.BY_ID_WITH_SIZES : LogStore.BY_SEQ_WITH_SIZES,
                List.of(partition, partition, partition, partition, id != null ? id : asked), (rows, c) -> {
            var found = LogStore.found(rows);
            // By seq, a purged event (its seal gone, its leaf kept) is still proven: without its id.
            LogStore.Entry entry = id != null ? sealed(found.entry(), id) : bySeq(found, partition, asked);
            long seq = entry.seq().orElseThrow();
            long size = treeSize(partition, found.sizes(), ctx.queryParam("tree_size"), "/tree_size");
            if (seq > size) {
                throw new InvalidRequest("seq %d is not in a tree of %d leaves".formatted(seq, size),
                        List.of(FieldError.at("/tree_size", "must be at least the event's seq, " + seq)));
            }
            // The leaf's hash is read with the proof's nodes, in the same statement.
            var withLeaf = new LeafAlongside(PostgresNodeStore.lastReadIn(c, partition), NodeId.leaf(seq - 1));
            var proof = new TreeProofs(withLeaf).inclusion(seq - 1, size);
            TreeHash leaf = withLeaf.leaf();
            var out = json.createObjectNode().put("event_id", entry.eventId() == null ? null : entry.eventId().toString()).put("seq", seq)
                    .put("leaf_index", seq - 1).put("tree_size", size).put("leaf_hash", leaf.base64());
            var hashes = out.putArray("proof");
            proof.hashes().forEach(h -> hashes.add(h.base64()));
            return out;
        });
        if (!body.get("event_id").isNull()) {
            audit.resource(body.get("event_id").asText());
        }
        audit.detail("tree_size", body.get("tree_size").asLong());
        ctx.json(body);
    }

    private void consistency(Context ctx, SecurityContext security, RequestAudit audit) {
        String partition = partition(ctx, security, audit);
        long size1 = positive(required(ctx, "size1"), "/size1");
        var proof = readFrom(partition, LogStore.SIZES, List.of(partition, partition, partition), (rows, c) -> {
            long size2 = treeSize(partition, LogStore.sizes(rows), ctx.queryParam("size2"), "/size2");
            if (size1 > size2) {
                throw new InvalidRequest("size1 must not exceed size2", List.of(FieldError.at("/size1", "must be at most size2, " + size2)));
            }
            return new TreeProofs(PostgresNodeStore.lastReadIn(c, partition)).consistency(size1, size2);
        });
        audit.detail("size1", proof.size1()).detail("size2", proof.size2());
        ctx.json(proofs.toJson(proof));
    }

    private void leaf(Context ctx, SecurityContext security, RequestAudit audit) {
        if (view(security) != AuditView.FULL) {
            throw new Forbidden("an event's canonical bytes are the whole event; the support view does not show them",
                    Optional.of("auditor"), Optional.empty());
        }
        String partition = onePartition(ctx, security, audit);
        UUID id = parseId(ctx.pathParam("event_id"), "/event_id");
        audit.resource(id.toString());
        var entry = readFrom(partition, LogStore.BY_ID, List.of(partition, id), (rows, c) -> sealed(LogStore.first(rows), id));
        ctx.header("Audit-Leaf-Index", Long.toString(entry.seq().orElseThrow() - 1));
        ctx.contentType(OCTETS).result(canonical(entry));
    }

    private void receipt(Context ctx, SecurityContext security, RequestAudit audit) {
        // The support view gets the receipt without the event's canonical bytes (they are the
        // whole, unmasked event): the leaf hash and the proof still verify.
        boolean full = view(security) == AuditView.FULL;
        String partition = onePartition(ctx, security, audit);
        UUID id = parseId(ctx.pathParam("event_id"), "/event_id");
        audit.resource(id.toString());
        var receipt = readFrom(partition, LogStore.BY_ID_WITH_SIZES, List.of(partition, partition, partition, partition, id), (rows, c) -> {
            var found = LogStore.found(rows);
            var entry = sealed(found.entry(), id);
            long seq = entry.seq().orElseThrow();
            var checkpoint = found.sizes().latest()
                    .filter(cp -> cp.treeSize() >= seq)
                    .orElseThrow(() -> new Conflict(ProblemType.AUDIT_PROOF_PENDING,
                            "event %s is sealed at seq %d but no signed checkpoint covers it yet; retry after the next checkpoint"
                                    .formatted(id, seq)));
            var withLeaf = new LeafAlongside(PostgresNodeStore.lastReadIn(c, partition), NodeId.leaf(seq - 1));
            var proof = new TreeProofs(withLeaf).inclusion(seq - 1, checkpoint.treeSize());
            var note = Note.parse(checkpoint.note().getBytes(StandardCharsets.UTF_8));
            if (full) {
                return Receipt.of(id, seq, canonical(entry), proof, note);
            }
            return new Receipt(id, seq, withLeaf.leaf(), null, proof.hashes(), note.toString());
        });
        ctx.json(proofs.toJson(receipt));
    }

    private static LogStore.Entry bySeq(LogStore.Found found, String partition, long seq) {
        if (found.entry().isPresent()) {
            return found.entry().get();
        }
        if (seq <= found.sizes().stored()) {
            return new LogStore.Entry(null, Optional.of(seq), Optional.empty());
        }
        throw new NotFound("no event of %s is sealed at seq %d".formatted(partition, seq));
    }

    private AuditView view(SecurityContext security) {
        return permissions.require(security, LOG.action()).auditView().orElse(AuditView.REDACTED);
    }

    /** The event {@code id} ({@code found} by {@link LogStore#BY_ID}) once sealed: 404 when not visible, 409 while it waits. */
    private static LogStore.Entry sealed(Optional<LogStore.Entry> found, UUID id) {
        var entry = found
                .orElseThrow(() -> new NotFound("no audit event " + id + " visible to this caller"));
        if (entry.seq().isEmpty()) {
            throw new Conflict(ProblemType.AUDIT_PROOF_PENDING,
                    "event %s is recorded but not sealed into the log yet; retry after the next sealing round".formatted(id));
        }
        return entry;
    }

    private byte[] canonical(LogStore.Entry entry) {
        return CanonicalEncoding.encode(events.read(entry.event().orElseThrow()));
    }

    /** The tree size named by {@code value}, or the latest signed one; at most the stored tree's. */
    private static long treeSize(String partition, LogStore.Sizes sizes, String value, String pointer) {
        if (value == null) {
            return sizes.latest().map(PostgresTreeCheckpoints.Stored::treeSize)
                    .orElseThrow(() -> new Conflict(ProblemType.AUDIT_PROOF_PENDING,
                            "the log of %s has no signed checkpoint yet; name a tree size".formatted(partition)));
        }
        long size = positive(value, pointer);
        if (size > sizes.stored()) {
            throw new InvalidRequest("the log of %s holds %d leaves".formatted(partition, sizes.stored()),
                    List.of(FieldError.at(pointer, "must be at most the log's size, " + sizes.stored())));
        }
        return size;
    }

    private static String required(Context ctx, String name) {
        return Optional.ofNullable(ctx.queryParam(name))
                .orElseThrow(() -> new InvalidRequest(name + " is required", List.of(FieldError.at("/" + name, "required"))));
    }

    private static long positive(String value, String pointer) {
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= 1) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // Reported below, with the other out-of-range values.
        }
        throw new InvalidRequest(pointer.substring(1) + " must be a positive integer", List.of(FieldError.at(pointer, "a positive integer")));
    }

    private static UUID parseId(String value, String pointer) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest("event_id must be a UUID", List.of(FieldError.at(pointer, "a UUID")));
        }
    }
}
