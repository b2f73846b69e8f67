-- Version 5: the verifiable log (docs/transparency-log.md): every partition's Merkle tree over its
-- sealed events, and the signed checkpoints of that tree.
--
-- audit_tree_nodes holds the stored complete nodes of every partition's tree. One row per complete node:
-- about two rows per sealed event (n leaves and n - popcount(n) interior nodes). Rows are written
-- once, in the sealing transaction, and never change: UPDATE is refused by the append-only trigger
-- of version 1 and DELETE is granted to nobody, so purging events (retention) keeps the nodes that
-- proofs for the remaining events and consistency proofs across the purge need.
--
-- Row-level security as on the other audit tables: a tenant transaction sees its own partition,
-- the platform path (the sequencer, operators) all of them.

CREATE TABLE audit_tree_nodes (
    tenant_id text     NOT NULL,
    level     smallint NOT NULL CHECK (level BETWEEN 0 AND 62),
    idx       bigint   NOT NULL CHECK (idx >= 0),
    hash      bytea    NOT NULL CHECK (octet_length(hash) = 32),
    PRIMARY KEY (tenant_id, level, idx)
);

CREATE TRIGGER audit_tree_nodes_append_only BEFORE UPDATE ON audit_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_update();

ALTER TABLE audit_tree_nodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_tree_nodes FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_rows ON audit_tree_nodes
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
CREATE POLICY platform_rows ON audit_tree_nodes
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

GRANT SELECT, INSERT ON audit_tree_nodes TO ${runtime_role};

-- The signed checkpoints of the trees (c2sp.org/tlog-checkpoint as a c2sp.org/signed-note): note is
-- the signed note exactly as published, byte for byte; tree_size and root_hash repeat its text for
-- queries. Signed by the sequencer in the sealing transaction, on the same schedule as the chain's
-- periodic checkpoints. Append-only like the rest of the history, and kept by retention: a checkpoint
-- is a few hundred bytes, and the witnesses' consistency proofs start from old ones.
CREATE TABLE audit_tree_checkpoints (
    tenant_id text        NOT NULL,
    tree_size bigint      NOT NULL CHECK (tree_size >= 1),
    root_hash bytea       NOT NULL CHECK (octet_length(root_hash) = 32),
    note      text        NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, tree_size)
);

CREATE TRIGGER audit_tree_checkpoints_append_only BEFORE UPDATE ON audit_tree_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_update();

ALTER TABLE audit_tree_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_tree_checkpoints FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_rows ON audit_tree_checkpoints
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
CREATE POLICY platform_rows ON audit_tree_checkpoints
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

GRANT SELECT, INSERT ON audit_tree_checkpoints TO ${runtime_role};
