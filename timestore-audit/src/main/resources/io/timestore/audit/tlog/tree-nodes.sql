-- The stored complete nodes of every partition's Merkle tree (docs/transparency-log.md §1).
--
-- Proposed for the audit schema's next version; nothing applies it yet. One row per complete node:
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
