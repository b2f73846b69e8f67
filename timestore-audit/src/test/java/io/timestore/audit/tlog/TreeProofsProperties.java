package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Proofs computed from stored nodes (a compact range extended leaf by leaf) are exactly the RFC 9162
 * proofs computed from all the leaves, verify, read only O(log n) nodes in one call, and stop
 * verifying when anything in them is changed.
 */
class TreeProofsProperties {

    /** A log of {@code size} leaves built the way a sequencer builds it, and the same leaves' reference tree. */
    private record Log(InMemoryNodeStore store, CompactRange range, ReferenceTree reference, List<TreeHash> leaves) {
        static Log of(int size) {
            var store = new InMemoryNodeStore();
            var range = CompactRange.empty();
            List<TreeHash> leaves = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                TreeHash leaf = Rfc6962.leafHash(("event " + i).getBytes(StandardCharsets.UTF_8));
                leaves.add(leaf);
                var appended = range.append(leaf);
                store.write(appended.completed());
                range = appended.range();
            }
            return new Log(store, range, new ReferenceTree(leaves), leaves);
        }
    }

    /** Counts what a proof reads from the store. */
    private static final class CountingReader implements NodeReader {
        private final NodeReader delegate;
        int calls;
        int nodes;

        CountingReader(NodeReader delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<TreeHash> read(List<NodeId> ids) {
            calls++;
            nodes += ids.size();
            return delegate.read(ids);
        }
    }

    @Property(tries = 300)
    void an_inclusion_proof_from_stored_nodes_is_the_rfc_audit_path_and_verifies(
            @ForAll @IntRange(min = 1, max = 700) int stored, @ForAll @IntRange(min = 0, max = 699) int s,
            @ForAll @IntRange(min = 0, max = 699) int i) {
        Log log = Log.of(stored);
        int size = 1 + s % stored;
        int index = i % size;

        InclusionProof proof = new TreeProofs(log.store()).inclusion(index, size);

        assertThat(proof.hashes()).isEqualTo(log.reference().path(index, size));
        proof.verify(log.leaves().get(index), log.reference().root(size));
    }

    @Property(tries = 300)
    void a_consistency_proof_from_stored_nodes_is_the_rfc_proof_and_verifies(
            @ForAll @IntRange(min = 1, max = 700) int stored, @ForAll @IntRange(min = 0, max = 699) int a,
            @ForAll @IntRange(min = 0, max = 699) int b) {
        Log log = Log.of(stored);
        int size2 = 1 + a % stored;
        int size1 = 1 + b % size2;

        ConsistencyProof proof = new TreeProofs(log.store()).consistency(size1, size2);

        assertThat(proof.hashes()).isEqualTo(log.reference().consistency(size1, size2));
        proof.verify(log.reference().root(size1), log.reference().root(size2));
    }

    @Property(tries = 200)
    void roots_of_every_earlier_size_come_from_stored_nodes_and_the_range_reads_back(
            @ForAll @IntRange(min = 0, max = 700) int stored, @ForAll @IntRange(min = 0, max = 700) int s) {
        Log log = Log.of(stored);
        int size = stored == 0 ? 0 : s % (stored + 1);

        assertThat(new TreeProofs(log.store()).root(size)).isEqualTo(log.reference().root(size));
        assertThat(log.range().root()).isEqualTo(log.reference().root(stored));
        assertThat(CompactRange.read(log.store(), stored)).isEqualTo(log.range());
        // Every complete node is stored exactly once: n leaves and n - popcount(n) interior nodes.
        assertThat(log.store().size()).isEqualTo(2 * stored - Integer.bitCount(stored));
    }

    @Property(tries = 200)
    void appending_a_batch_stores_the_same_nodes_as_appending_one_by_one(
            @ForAll @IntRange(min = 0, max = 300) int before, @ForAll @IntRange(min = 0, max = 300) int batch) {
        Log log = Log.of(before + batch);
        CompactRange start = CompactRange.read(log.store(), before);

        var appended = start.appendAll(log.leaves().subList(before, before + batch));

        assertThat(appended.range()).isEqualTo(log.range());
        var replay = new InMemoryNodeStore();
        replay.write(appended.completed());
        assertThat(replay.size()).isEqualTo(appended.completed().size());
        log.store().write(appended.completed()); // same hashes: a retried seal is a no-op
    }

    @Property(tries = 200)
    void the_seals_shares_of_a_batch_hold_each_leaf_and_the_nodes_it_completed_lowest_first(
            @ForAll @IntRange(min = 0, max = 300) int before, @ForAll @IntRange(min = 0, max = 300) int batch) {
        Log log = Log.of(before + batch);
        CompactRange start = CompactRange.read(log.store(), before);
        var batchLeaves = log.leaves().subList(before, before + batch);

        var shared = start.appendForSeals(batchLeaves);

        assertThat(shared.range()).isEqualTo(log.range());
        assertThat(shared.hashesByLeaf()).hasSize(batch);
        for (int i = 0; i < batch; i++) {
            long leaf = before + i;
            byte[] share = shared.hashesByLeaf().get(i);
            // Leaf n completes itself and one node per trailing one bit of n, node (l, n >> l) at level l.
            assertThat(share).hasSize(TreeHash.LENGTH * (1 + Long.numberOfTrailingZeros(~leaf)));
            for (int level = 0; level < share.length / TreeHash.LENGTH; level++) {
                byte[] hash = Arrays.copyOfRange(share, TreeHash.LENGTH * level, TreeHash.LENGTH * (level + 1));
                assertThat(log.store().read(List.of(new NodeId(level, leaf >>> level)))).containsExactly(TreeHash.of(hash));
            }
        }
        assertThat(shared.hashesByLeaf()).usingElementComparator(Arrays::compare)
                .containsExactlyElementsOf(start.appendAll(batchLeaves).hashesByLeaf());
    }

    @Property(tries = 200)
    void a_proof_reads_at_most_two_nodes_per_level_in_one_call(
            @ForAll @IntRange(min = 2, max = 700) int stored, @ForAll @IntRange(min = 0, max = 699) int a,
            @ForAll @IntRange(min = 0, max = 699) int b) {
        Log log = Log.of(stored);
        int size = 2 + a % (stored - 1);
        int levels = 64 - Long.numberOfLeadingZeros(size - 1);
        var inclusion = new CountingReader(log.store());
        var consistency = new CountingReader(log.store());

        new TreeProofs(inclusion).inclusion(b % size, size);
        new TreeProofs(consistency).consistency(1 + b % size, size);

        assertThat(inclusion.calls).isEqualTo(1);
        assertThat(inclusion.nodes).isLessThanOrEqualTo(2 * levels);
        assertThat(consistency.calls).isLessThanOrEqualTo(1);
        assertThat(consistency.nodes).isLessThanOrEqualTo(2 * levels);
    }

    @Property(tries = 200)
    void changing_any_inclusion_proof_element_the_leaf_the_root_or_the_index_fails_verification(
            @ForAll @IntRange(min = 2, max = 500) int size, @ForAll @IntRange(min = 0, max = 499) int i,
            @ForAll @IntRange(min = 0, max = 255) int bit) {
        Log log = Log.of(size);
        int index = i % size;
        TreeHash root = log.reference().root(size);
        TreeHash leaf = log.leaves().get(index);
        List<TreeHash> path = new TreeProofs(log.store()).inclusion(index, size).hashes();

        for (int k = 0; k < path.size(); k++) {
            List<TreeHash> tampered = new ArrayList<>(path);
            tampered.set(k, flip(path.get(k), bit));
            assertThrows(InvalidProof.class, () -> ProofVerifier.verifyInclusion(index, size, leaf, tampered, root));
        }
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyInclusion(index, size, flip(leaf, bit), path, root));
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyInclusion(index, size, leaf, path, flip(root, bit)));
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyInclusion((index + 1) % size, size, leaf, path, root));
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyInclusion(index, size, leaf, append(path, root), root));
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyInclusion(index, size, leaf, prepend(leaf, path), root));
        if (!path.isEmpty()) {
            assertThrows(InvalidProof.class, () -> ProofVerifier.verifyInclusion(index, size, leaf, path.subList(0, path.size() - 1), root));
        }
    }

    @Property(tries = 200)
    void changing_any_consistency_proof_element_or_a_root_fails_verification(
            @ForAll @IntRange(min = 2, max = 500) int size2, @ForAll @IntRange(min = 0, max = 499) int s,
            @ForAll @IntRange(min = 0, max = 255) int bit) {
        Log log = Log.of(size2);
        int size1 = 1 + s % (size2 - 1);
        TreeHash root1 = log.reference().root(size1);
        TreeHash root2 = log.reference().root(size2);
        List<TreeHash> proof = new TreeProofs(log.store()).consistency(size1, size2).hashes();

        for (int k = 0; k < proof.size(); k++) {
            List<TreeHash> tampered = new ArrayList<>(proof);
            tampered.set(k, flip(proof.get(k), bit));
            assertThrows(InvalidProof.class, () -> ProofVerifier.verifyConsistency(size1, size2, tampered, root1, root2));
        }
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyConsistency(size1, size2, proof, flip(root1, bit), root2));
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyConsistency(size1, size2, proof, root1, flip(root2, bit)));
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyConsistency(size1, size2, append(proof, root2), root1, root2));
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyConsistency(size1, size2, prepend(root1, proof), root1, root2));
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyConsistency(size1, size2, proof.subList(0, proof.size() - 1), root1, root2));
        assertThrows(InvalidProof.class, () -> ProofVerifier.verifyConsistency(size1, size2, proof, root2, root1));
    }

    @Property(tries = 200)
    void a_changed_stored_node_yields_proofs_that_fail_against_the_true_root(
            @ForAll @IntRange(min = 2, max = 500) int size, @ForAll @IntRange(min = 0, max = 499) int i,
            @ForAll @IntRange(min = 0, max = 63) int pick) {
        Log log = Log.of(size);
        int index = i % size;
        List<NodeId> used = ProofPlan.inclusion(index, size).ids();
        NodeId victim = used.get(pick % used.size());
        NodeReader tampered = ids -> swap(ids, log.store().read(ids), victim);

        InclusionProof proof = new TreeProofs(tampered).inclusion(index, size);

        assertThrows(InvalidProof.class, () -> proof.verify(log.leaves().get(index), log.reference().root(size)));
    }

    private static List<TreeHash> swap(List<NodeId> ids, List<TreeHash> hashes, NodeId victim) {
        List<TreeHash> out = new ArrayList<>(hashes);
        for (int k = 0; k < ids.size(); k++) {
            if (ids.get(k).equals(victim)) {
                out.set(k, flip(hashes.get(k), 0));
            }
        }
        return out;
    }

    static TreeHash flip(TreeHash hash, int bit) {
        byte[] bytes = hash.toBytes();
        bytes[bit / 8 % TreeHash.LENGTH] ^= (byte) (1 << (bit % 8));
        return TreeHash.of(bytes);
    }

    private static List<TreeHash> append(List<TreeHash> list, TreeHash extra) {
        List<TreeHash> out = new ArrayList<>(list);
        out.add(extra);
        return out;
    }

    private static List<TreeHash> prepend(TreeHash extra, List<TreeHash> list) {
        List<TreeHash> out = new ArrayList<>();
        out.add(extra);
        out.addAll(list);
        return out;
    }
}
