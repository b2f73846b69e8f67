-- Retention deletes seals, and since audit schema version 7 (V33) a seal carries the Merkle tree
-- nodes its leaf completed. Before deleting a batch of seals, retention copies those nodes into
-- audit_tree_nodes, so proofs for the remaining events and consistency proofs across the purge
-- still verify. It may add nodes, never change or remove them (UPDATE is refused by the table's
-- trigger, DELETE is granted to nobody).
GRANT SELECT, INSERT ON audit_tree_nodes TO ${retention_role};
