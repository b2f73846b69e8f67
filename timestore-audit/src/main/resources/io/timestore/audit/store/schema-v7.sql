-- Version 7: the Merkle tree's nodes travel in the seal rows (docs/transparency-log.md §2).
--
-- Version 5 stored every complete node of every partition's tree as its own row of
-- audit_tree_nodes: about two rows per sealed event, written in the sealing transaction, which
-- more than halved sealing throughput (docs/benchmarks.md, 2026-12-03). Each node is completed by
-- exactly one leaf: node (level, idx) by leaf (idx + 1) * 2^level - 1, whose seal has
-- seq = (idx + 1) << level. So the seal of each leaf now carries the hashes its leaf completed,
-- in tree_hashes: the leaf hash first, then one 32-byte hash per level it completed, lowest first
-- (level L at bytes 32 * L + 1 .. 32 * L + 32). No extra row, no extra index.
--
-- audit_tree_nodes stays, for the nodes no seal carries: those built for events sealed before
-- version 5 (their seals have no tree_hashes and are never updated), and those of seals that
-- retention deletes, which it copies there first so proofs across a purge still verify. A reader
-- looks in both; a node found in both has one hash, or verification reports the difference.
--
-- Seals stay append-only (version 1's trigger): tree_hashes is written once, with the seal.

ALTER TABLE audit_seals ADD COLUMN tree_hashes bytea
    CHECK (tree_hashes IS NULL OR (octet_length(tree_hashes) BETWEEN 32 AND 2048 AND octet_length(tree_hashes) % 32 = 0));
