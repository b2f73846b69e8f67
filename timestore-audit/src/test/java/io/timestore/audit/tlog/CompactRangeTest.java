package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tree of transparency-dev/merkle's {@code testonly/constants.go} (eight leaves with known node
 * and root hashes), built through the compact range, and the node store's write-once contract.
 */
class CompactRangeTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final List<String> LEAVES = List.of("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
            "606162636465666768696a6b6c6d6e6f");
    private static final List<String> ROOTS = List.of(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");

    @Test
    void the_root_after_each_append_is_the_known_root_of_that_size() {
        var range = CompactRange.empty();
        List<String> roots = new ArrayList<>(List.of(range.root().hex()));

        for (String leaf : LEAVES) {
            range = range.append(Rfc6962.leafHash(HEX.parseHex(leaf))).range();
            roots.add(range.root().hex());
        }

        assertThat(roots).isEqualTo(ROOTS);
        assertThat(Rfc6962.EMPTY_ROOT.hex()).isEqualTo(ROOTS.getFirst());
    }

    @Test
    void appending_reports_the_leaf_and_every_node_it_completes_lowest_first() {
        var store = new InMemoryNodeStore();
        var range = CompactRange.empty();
        for (String leaf : LEAVES.subList(0, 7)) {
            var appended = range.append(Rfc6962.leafHash(HEX.parseHex(leaf)));
            store.write(appended.completed());
            range = appended.range();
        }

        var eighth = range.append(Rfc6962.leafHash(HEX.parseHex(LEAVES.get(7))));

        assertThat(eighth.completed()).extracting(Node::id)
                .containsExactly(new NodeId(0, 7), new NodeId(1, 3), new NodeId(2, 1), new NodeId(3, 0));
        assertThat(eighth.completed().getLast().hash().hex()).isEqualTo(ROOTS.get(8));
        assertThat(range.hashes()).hasSize(3); // size 7 = 4 + 2 + 1
        assertThat(CompactRange.ids(7)).containsExactly(new NodeId(2, 0), new NodeId(1, 2), new NodeId(0, 6));
        assertThat(eighth.range().hashes()).hasSize(1);
    }

    @Test
    void a_store_refuses_a_changed_node_and_keeps_nothing_of_that_write() {
        var store = new InMemoryNodeStore();
        TreeHash a = Rfc6962.leafHash(new byte[] {1});
        TreeHash b = Rfc6962.leafHash(new byte[] {2});
        store.write(List.of(new Node(NodeId.leaf(0), a)));

        store.write(List.of(new Node(NodeId.leaf(0), a)));
        var conflict = assertThrows(NodeConflict.class,
                () -> store.write(List.of(new Node(NodeId.leaf(1), b), new Node(NodeId.leaf(0), b))));

        assertThat(conflict).hasMessage("node at level 0, index 0 is already stored with a different hash");
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.read(List.of(NodeId.leaf(0)))).containsExactly(a);
    }

    @Test
    void a_proof_for_a_size_beyond_the_stored_tree_names_the_missing_node() {
        var store = new InMemoryNodeStore();
        var appended = CompactRange.empty().appendAll(List.of(Rfc6962.leafHash(new byte[] {1}), Rfc6962.leafHash(new byte[] {2})));
        store.write(appended.completed());
        var proofs = new TreeProofs(store);

        var missing = assertThrows(MissingNodes.class, () -> proofs.inclusion(0, 3));

        assertThat(missing.first()).isEqualTo(NodeId.leaf(2));
        assertThat(proofs.root(2)).isEqualTo(appended.range().root());
        assertThrows(IllegalArgumentException.class, () -> proofs.inclusion(2, 2));
        assertThrows(IllegalArgumentException.class, () -> proofs.consistency(0, 2));
    }

    @Test
    void a_compact_range_must_hold_one_hash_per_one_bit_of_its_size() {
        TreeHash h = Rfc6962.leafHash(new byte[0]);

        var error = assertThrows(IllegalArgumentException.class, () -> new CompactRange(3, List.of(h)));

        assertThat(error).hasMessage("the compact range of size 3 has 2 hashes (found 1)");
    }
}
